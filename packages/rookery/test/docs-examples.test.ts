import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresDialect, testDialects, type TestDialect } from '../../datastore-sql/test/helpers/test-databases.js';

/**
 * The documentation's examples, run as users would run them and held to what the pages say.
 *
 * Every `ts` block of {@link PAGES} that imports from 'rookery' is an example. A page may also
 * mark a block (ts, js, sh or bash) with a name on the line before it, name the databases it
 * runs on, and give the output it prints in a `text` block marked the same way:
 *
 *     <!-- example: keys -->          (or `<!-- example: transactions on: postgres -->`)
 *     ```ts
 *     …
 *     ```
 *     <!-- output: keys -->
 *     ```text
 *     …
 *     ```
 *
 * A `ts`/`js` block runs as an ES module with Node, a `sh`/`bash` block with `bash -e` (the
 * repository's `rookery` command on its PATH), each in a fresh directory, once per database it
 * is marked for (SQLite by default, with no DATABASE_URL; PostgreSQL in a fresh database named
 * by DATABASE_URL and ROOKERY_DB). It must exit by itself with code 0, write nothing to stderr,
 * and print exactly its output block when it has one. On SQLite a `ts`/`js` example then runs a
 * second time in the same directory, meeting the state its first run left, and must again exit
 * by itself with code 0 and nothing on stderr: examples are safe to run again.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PAGES = ['README.md', 'packages/rookery/README.md', 'site/index.md', 'site/running-jobs.md', 'site/cli.md'];
/** Pages that must hold at least one example (the ones whose code blocks are a tour of the package). */
const PAGES_WITH_EXAMPLES = ['README.md', 'packages/rookery/README.md', 'site/index.md', 'site/running-jobs.md'];
/** Longest a run may take before it counts as hanging (a process that does not exit by itself). */
const HANG_MS = 60_000;

/** One example of a page. */
interface Example {
  page: string;
  /** The name it is marked with, or `<page>-<n>` for the n-th unmarked one. */
  name: string;
  lang: string;
  code: string;
  /** The databases it runs on. */
  on: string[];
  /** What it must print on its first run, if the page says. */
  output: string | undefined;
}

/** A fenced block with its language, and the marker before it if any. */
const BLOCK = /(?:<!-- example: ([\w-]+)(?: on: ([\w,]+))? -->\n)?```(\w+)\n([\s\S]*?)```/g;
const OUTPUT = /<!-- output: ([\w-]+) -->\n```text\n([\s\S]*?)```/g;

async function examplesOf(page: string): Promise<Example[]> {
  const markdown = await readFile(join(ROOT, page), 'utf8');
  const outputs = new Map([...markdown.matchAll(OUTPUT)].map((m) => [m[1] ?? '', (m[2] ?? '').trim()]));
  const examples: Example[] = [];
  let unmarked = 0;
  for (const [, marked, on, lang = '', code = ''] of markdown.matchAll(BLOCK)) {
    if (marked === undefined && !(lang === 'ts' && code.includes("from 'rookery'"))) continue;
    const name = marked ?? `${page.replaceAll('/', '_')}-${(unmarked += 1)}`;
    examples.push({
      page,
      name,
      lang,
      code,
      on: (on ?? 'sqlite').split(','),
      output: marked === undefined ? undefined : outputs.get(marked),
    });
  }
  for (const name of outputs.keys()) {
    if (!examples.some((e) => e.name === name))
      throw new Error(`${page}: output '${name}' follows no example of that name`);
  }
  return examples;
}

interface Run {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Runs `args` in `cwd` until the process exits; kills it (and says so) if it hangs. */
function runProcess(command: string, args: string[], cwd: string, databaseUrl: string | undefined): Promise<Run> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${join(ROOT, 'node_modules', '.bin')}${delimiter}${process.env['PATH'] ?? ''}`,
  };
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
    child.on('close', (code, signal) => {
      clearTimeout(hang);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const examples: Example[] = [];
for (const page of PAGES) examples.push(...(await examplesOf(page)));
const postgres = await postgresDialect();
const serverDialects = (await testDialects()).filter((d) => d.label !== 'sqlite');

let workDir: string;
beforeAll(async () => {
  // Inside the package, so that 'rookery', 'pg', 'sqlite3' and 'zod' resolve as they do for an installed app.
  workDir = await mkdtemp(join(ROOT, 'packages/rookery/test/.examples-'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** An example written into a fresh directory of its own, ready to run there. */
interface Prepared {
  dir: string;
  command: string;
  args: string[];
}

async function prepare(example: Pick<Example, 'lang' | 'code'>, dirName: string): Promise<Prepared> {
  const dir = join(workDir, dirName);
  await mkdir(dir, { recursive: true });
  const shell = example.lang === 'sh' || example.lang === 'bash';
  const file = shell ? 'example.sh' : 'example.mjs';
  const text = shell
    ? example.code
    : ts.transpileModule(example.code, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText;
  await writeFile(join(dir, file), text);
  return shell ? { dir, command: 'bash', args: ['-e', file] } : { dir, command: process.execPath, args: [file] };
}

/** Runs a prepared example against a fresh database of `dialect` (dropped afterwards), `runs` times. */
async function runOn(dialect: TestDialect, prepared: Prepared, runs: number): Promise<Run[]> {
  const db = await dialect.create();
  try {
    const results: Run[] = [];
    for (let i = 0; i < runs; i += 1)
      results.push(await runProcess(prepared.command, prepared.args, prepared.dir, db.url));
    return results;
  } finally {
    await db.drop();
  }
}

describe('documentation examples', () => {
  it('every tour page has examples, the marked ones name those of jobs, keys, typed executors and transactions, each name once', () => {
    for (const page of PAGES_WITH_EXAMPLES)
      expect(
        examples.some((e) => e.page === page),
        `${page} has rookery examples`,
      ).toBe(true);
    const names = examples.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining(['enqueue', 'keys', 'typed-executors', 'transactions', 'transactions-sqlite']),
    );
    for (const e of examples) {
      expect(['ts', 'js', 'sh', 'bash'], `${e.page} ${e.name}`).toContain(e.lang);
      for (const database of e.on)
        expect(['sqlite', 'postgres'], `${e.page} ${e.name}: databases to run on`).toContain(database);
    }
  });

  for (const example of examples) {
    for (const database of example.on) {
      const twice = database === 'sqlite' && (example.lang === 'ts' || example.lang === 'js');
      const title = `${example.page} · ${example.name} runs on ${database}${example.output === undefined ? '' : ' and prints its output'}${twice ? ', then again' : ''}, its process exiting by itself`;
      it(title, { timeout: 300_000 }, async (ctx) => {
        if (database === 'postgres' && !postgres.available) {
          ctx.skip();
          return;
        }
        const prepared = await prepare(example, `${example.name}-${database}`);
        const [first] =
          database === 'postgres'
            ? await runOn(postgres, prepared, 1)
            : [await runProcess(prepared.command, prepared.args, prepared.dir, undefined)];
        expect({ run: 1, ...first }, `${example.page} ${example.name}`).toMatchObject({
          run: 1,
          code: 0,
          signal: null,
          stderr: '',
        });
        if (example.output !== undefined) expect(first?.stdout.trim()).toBe(example.output);
        if (twice) {
          const second = await runProcess(prepared.command, prepared.args, prepared.dir, undefined);
          expect({ run: 2, ...second }, `${example.page} ${example.name}, run again`).toMatchObject({
            run: 2,
            code: 0,
            signal: null,
            stderr: '',
          });
        }
      });
    }
  }

  /** The README's tour: the first rookery example of README.md. */
  const tour = examples.find((e) => e.page === 'README.md');
  const tourOutcomes = (runs: Run[]): string[] => runs.map((run) => run.stdout.trim().split(';')[0] ?? '');

  it(
    'the README tour creates its schedule on the first run and finds it unchanged on the next',
    { timeout: 300_000 },
    async () => {
      const prepared = await prepare(tour ?? { lang: 'ts', code: '' }, 'tour-outcomes');
      const runs = [
        await runProcess(prepared.command, prepared.args, prepared.dir, undefined),
        await runProcess(prepared.command, prepared.args, prepared.dir, undefined),
      ];
      for (const run of runs) expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(tourOutcomes(runs)).toEqual(['nightly-report: created', 'nightly-report: unchanged']);
    },
  );

  for (const dialect of serverDialects) {
    it.skipIf(!dialect.available)(
      `the README tour runs twice on ${dialect.label} with DATABASE_URL set, and its process exits by itself (wake-signal sessions and pool closed)`,
      { timeout: 300_000 },
      async () => {
        const prepared = await prepare(tour ?? { lang: 'ts', code: '' }, `tour-${dialect.label}`);
        const runs = await runOn(dialect, prepared, 2);
        for (const run of runs) expect(run).toMatchObject({ code: 0, signal: null, stderr: '' });
        expect(tourOutcomes(runs)).toEqual(['nightly-report: created', 'nightly-report: unchanged']);
      },
    );
  }
});
