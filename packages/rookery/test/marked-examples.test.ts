import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresDialect, type TestDialect } from '../../datastore-sql/test/helpers/test-databases.js';

/**
 * The marked examples of the documentation, run and held to the output the page shows. A page
 * marks an example with a comment on the line before its fenced block, and may give the
 * output it prints in a `text` block marked the same way:
 *
 *     <!-- example: keys -->          (or `<!-- example: transactions on: postgres -->`)
 *     ```ts  (or js, sh, bash)
 *     …
 *     ```
 *     <!-- output: keys -->
 *     ```text
 *     …
 *     ```
 *
 * A `ts`/`js` block runs as an ES module with Node, a `sh`/`bash` block with `bash -e` (the
 * repository's `rookery` command on its PATH), each in a fresh directory, once per database
 * it is marked for (SQLite by default, with no DATABASE_URL; PostgreSQL in a fresh database
 * named by DATABASE_URL and ROOKERY_DB). It must exit by itself with code 0, write nothing to
 * stderr, and print exactly its output block when it has one.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PAGES = ['README.md', 'site/running-jobs.md', 'site/cli.md', 'site/index.md'];
/** Longest an example may take before it counts as hanging. */
const HANG_MS = 60_000;

/** One marked example. */
interface Example {
  page: string;
  name: string;
  lang: string;
  code: string;
  /** The databases it runs on. */
  on: string[];
  /** What it must print, if the page says. */
  output: string | undefined;
}

const EXAMPLE = /<!-- example: ([\w-]+)(?: on: ([\w,]+))? -->\n```(\w+)\n([\s\S]*?)```/g;
const OUTPUT = /<!-- output: ([\w-]+) -->\n```text\n([\s\S]*?)```/g;

async function examplesOf(page: string): Promise<Example[]> {
  const markdown = await readFile(join(ROOT, page), 'utf8');
  const outputs = new Map([...markdown.matchAll(OUTPUT)].map((m) => [m[1] ?? '', (m[2] ?? '').trim()]));
  const examples = [...markdown.matchAll(EXAMPLE)].map((m) => ({
    page,
    name: m[1] ?? '',
    on: (m[2] ?? 'sqlite').split(','),
    lang: m[3] ?? '',
    code: m[4] ?? '',
    output: outputs.get(m[1] ?? ''),
  }));
  for (const name of outputs.keys()) {
    if (!examples.some((e) => e.name === name)) throw new Error(`${page}: output '${name}' follows no example of that name`);
  }
  return examples;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `args` in `cwd` until the process exits; kills it (and says so) if it hangs. */
function runProcess(command: string, args: string[], cwd: string, databaseUrl: string | undefined): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${join(ROOT, 'node_modules', '.bin')}${delimiter}${process.env['PATH'] ?? ''}` };
  for (const name of ['DATABASE_URL', 'ROOKERY_DB', 'ROOKERY_DB_FILE']) delete env[name];
  if (databaseUrl) Object.assign(env, { DATABASE_URL: databaseUrl, ROOKERY_DB: databaseUrl });
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const hang = setTimeout(() => {
      stderr += `\n[test] still running after ${HANG_MS} ms: killed; the process did not exit by itself`;
      child.kill('SIGKILL');
    }, HANG_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(hang);
      resolve({ code, stdout, stderr });
    });
  });
}

let workDir: string;
let postgres: TestDialect;
const all: Example[] = [];
for (const page of PAGES) all.push(...(await examplesOf(page)));

beforeAll(async () => {
  // Inside the package, so that 'rookery', 'pg', 'sqlite3' and 'zod' resolve as they do for an installed app.
  workDir = await mkdtemp(join(ROOT, 'packages/rookery/test/.marked-'));
  postgres = await postgresDialect();
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** Runs one example on one database, in a fresh directory. */
async function runExample(example: Example, database: string): Promise<Run> {
  const dir = join(workDir, `${example.name}-${database}`);
  await mkdir(dir, { recursive: true });
  const shell = example.lang === 'sh' || example.lang === 'bash';
  const file = shell ? 'example.sh' : 'example.mjs';
  const text = shell ? example.code : ts.transpileModule(example.code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  await writeFile(join(dir, file), text);
  const [command, args] = shell ? ['bash', ['-e', file]] : [process.execPath, [file]];
  if (database === 'sqlite') return runProcess(command, args, dir, undefined);
  if (database !== 'postgres') throw new Error(`${example.page} ${example.name}: no database '${database}' to run on (sqlite, postgres)`);
  const db = await postgres.create();
  try {
    return await runProcess(command, args, dir, db.url);
  } finally {
    await db.drop();
  }
}

describe('marked documentation examples', () => {
  it('the pages mark the examples of jobs, keys, typed executors and transactions, each name once', () => {
    const names = all.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['enqueue', 'keys', 'typed-executors', 'transactions', 'transactions-sqlite']));
    for (const e of all) expect(['ts', 'js', 'sh', 'bash'], `${e.page} ${e.name}`).toContain(e.lang);
  });

  for (const example of all) {
    for (const database of example.on) {
      it(`${example.page} · ${example.name} runs on ${database}${example.output === undefined ? '' : ' and prints its output'}`, { timeout: 120_000 }, async (ctx) => {
        if (database === 'postgres' && !postgres.available) {
          ctx.skip();
          return;
        }
        const run = await runExample(example, database);
        expect(run, `${example.page} ${example.name}`).toMatchObject({ code: 0, stderr: '' });
        if (example.output !== undefined) expect(run.stdout.trim()).toBe(example.output);
      });
    }
  }
});
