import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '../../datastore-sql/test/helpers/test-databases.js';

/**
 * The documentation's examples of the `rookery` package, run as users would: each `ts` block
 * that imports from 'rookery' becomes a module of its own, started twice in a fresh directory
 * (so it meets the state its first run left), and must exit by itself with code 0.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DOCS = ['README.md', 'packages/rookery/README.md', 'site/index.md', 'site/running-jobs.md'];
/** Longest a run may take before it counts as hanging (a process that does not exit by itself). */
const HANG_MS = 60_000;

interface Run {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

async function examplesOf(doc: string): Promise<string[]> {
  const markdown = await readFile(join(ROOT, doc), 'utf8');
  // A block marked for another database (`<!-- example: name on: postgres -->`) is run there by marked-examples.test.ts.
  return [...markdown.matchAll(/(<!-- example: [\w-]+ on: [\w,]+ -->\n)?```ts\n([\s\S]*?)```/g)]
    .filter((m) => m[1] === undefined || /on: [\w,]*sqlite/.test(m[1]))
    .map((m) => m[2] ?? '')
    .filter((code) => code.includes("from 'rookery'"));
}

/** Runs a module with Node in `cwd` until it exits; kills it (and says so) if it hangs. */
function runModule(file: string, cwd: string, databaseUrl?: string): Promise<Run> {
  const env = { ...process.env };
  delete env['DATABASE_URL'];
  if (databaseUrl) env['DATABASE_URL'] = databaseUrl;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const hang = setTimeout(() => {
      stderr += `\n[test] still running after ${HANG_MS} ms: killed; the process did not exit by itself`;
      child.kill('SIGKILL');
    }, HANG_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(hang);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

let workDir: string;
beforeAll(async () => {
  // Inside the package, so that 'rookery' and 'zod' resolve as they do for an installed app.
  workDir = await mkdtemp(join(ROOT, 'packages/rookery/test/.examples-'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** Writes an example as a module in a directory of its own; returns both paths. */
async function prepare(name: string, code: string): Promise<{ dir: string; file: string }> {
  const dir = join(workDir, name);
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'example.mjs');
  const js = ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  await writeFile(file, js);
  return { dir, file };
}

describe('documentation examples', () => {
  for (const doc of DOCS) {
    it(`every rookery example of ${doc} runs twice on SQLite and its process exits by itself`, { timeout: 300_000 }, async () => {
      const examples = await examplesOf(doc);
      expect(examples.length, `${doc} has rookery examples`).toBeGreaterThan(0);
      for (const [i, code] of examples.entries()) {
        const { dir, file } = await prepare(`${doc.replaceAll('/', '_')}-${i}`, code);
        for (const pass of [1, 2]) {
          const run = await runModule(file, dir);
          expect({ pass, ...run }, `${doc} example ${i + 1}, run ${pass}`).toMatchObject({ pass, code: 0, signal: null, stderr: '' });
        }
      }
    });
  }

  it('the README tour creates its schedule on the first run and finds it unchanged on the next', { timeout: 300_000 }, async () => {
    const [tour] = await examplesOf('README.md');
    const { dir, file } = await prepare('tour-outcomes', tour ?? '');
    const outcomes: string[] = [];
    for (let pass = 0; pass < 2; pass += 1) {
      const run = await runModule(file, dir);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      outcomes.push(run.stdout.trim().split(';')[0] ?? '');
    }
    expect(outcomes).toEqual(['nightly-report: created', 'nightly-report: unchanged']);
  });
});

for (const dialect of (await testDialects()).filter((d) => d.label !== 'sqlite')) {
  describe.skipIf(!dialect.available)(`the README tour on ${dialect.label}`, () => {
    it('runs twice with DATABASE_URL set, and its process exits by itself (wake-signal sessions and pool closed)', { timeout: 300_000 }, async () => {
      const db = await dialect.create();
      try {
        const [tour] = await examplesOf('README.md');
        const { dir, file } = await prepare(`tour-${dialect.label}`, tour ?? '');
        const outcomes: string[] = [];
        for (let pass = 0; pass < 2; pass += 1) {
          const run = await runModule(file, dir, db.url);
          expect(run).toMatchObject({ code: 0, signal: null, stderr: '' });
          outcomes.push(run.stdout.trim().split(';')[0] ?? '');
        }
        expect(outcomes).toEqual(['nightly-report: created', 'nightly-report: unchanged']);
      } finally {
        await db.drop();
      }
    });
  });
}
