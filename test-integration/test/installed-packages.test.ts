import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// What a project outside this repository gets: every published package is packed with
// `npm pack`, the tarballs are installed into a new empty project, and there they are
// imported, required, type-checked and run.

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = require.resolve('typescript/bin/tsc');
// sqlite3 has no prebuilt binary reachable here and compiles from source for minutes; the
// project links this repository's build of the same version instead of compiling it again.
const SQLITE3 = dirname(require.resolve('sqlite3/package.json'));

/** The published packages: workspace folder and package name, each export the test checks. */
const PACKAGES = [
  { dir: 'packages/core', name: '@rookery/core', exported: 'RookeryNode' },
  { dir: 'packages/messaging', name: '@rookery/messaging', exported: 'createEventBus' },
  { dir: 'packages/executor', name: '@rookery/executor', exported: 'WorkerPool' },
  { dir: 'packages/datastore-sql', name: '@rookery/datastore-sql', exported: 'createSqlDatastore' },
  { dir: 'packages/server', name: '@rookery/server', exported: 'createNodeMetrics' },
  { dir: 'packages/rookery', name: 'rookery', exported: 'createRookery' },
  { dir: 'packages/cli', name: '@rookery/cli', exported: 'runCli' },
] as const;

/** What `npm pack --json` reports of one tarball. */
interface PackReport {
  name: string;
  filename: string;
  files: { path: string }[];
}

/** The environment without the `npm_*` variables of an `npm test` that started this run. */
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('npm_')));

async function sh(file: string, args: string[], cwd: string, timeout = 120_000): Promise<string> {
  const { stdout } = await run(file, args, { cwd, env, timeout, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

const CONSUMER_ESM = `
import { createRookery, type Rookery, type RookeryOptions } from 'rookery';
import { createSqlDatastore, type SqlDatastore } from '@rookery/datastore-sql';
import { RookeryNode, ValidationError, type Task } from '@rookery/core';
import { WorkerPool } from '@rookery/executor';
import { createEventBus } from '@rookery/messaging';
import { runCli, type CliIo } from '@rookery/cli';

const options: RookeryOptions = { db: 'sqlite:./typed.db', executors: { greet: async () => ({ ok: true }) }, concurrency: 1 };
export async function start(): Promise<Rookery> {
  const rookery = await createRookery(options);
  rookery.events.on('taskCompleted', (task: Task) => void task.result);
  return rookery;
}
export async function fromParts(): Promise<RookeryNode> {
  const store: SqlDatastore = await createSqlDatastore({ url: 'sqlite::memory:' });
  return new RookeryNode({ datastore: store, events: createEventBus(), executors: [], pool: new WorkerPool({ concurrency: 1 }) });
}
export const io: CliIo = { stdout: process.stdout, stderr: process.stderr };
export const code: Promise<number> = runCli(['--version'], io);
export const refused: ValidationError = new ValidationError('db', 'not a URL');
`;

const CONSUMER_CJS = `
import rookery = require('rookery');
import core = require('@rookery/core');
export const start: typeof rookery.createRookery = rookery.createRookery;
export const refused: core.ValidationError = new core.ValidationError('db', 'not a URL');
`;

const REQUIRE_ALL = `
const names = ${JSON.stringify(PACKAGES.map((p) => [p.name, p.exported]))};
console.log(JSON.stringify(names.map(([pkg, name]) => [pkg, typeof require(pkg)[name]])));
`;

const IMPORT_ALL = `
const names = ${JSON.stringify(PACKAGES.map((p) => [p.name, p.exported]))};
const found = [];
for (const [pkg, name] of names) found.push([pkg, typeof (await import(pkg))[name]]);
console.log(JSON.stringify(found));
`;

// Registers the installed dashboard plugin on a fastify app (fastify comes with @rookery/server) and asks for the page and its entry module.
const SERVE_DASHBOARD = `
import Fastify from 'fastify';
import { dashboardPlugin } from '@rookery/server';
const app = Fastify();
await app.register(dashboardPlugin);
const page = await app.inject({ method: 'GET', url: '/' });
const main = await app.inject({ method: 'GET', url: '/ui/main.js' });
console.log(JSON.stringify({ page: page.statusCode, main: main.statusCode, hasScript: main.body.includes('import ') }));
await app.close();
`;

const RUN_ONCE = `
import { createRookery } from 'rookery';
const rookery = await createRookery({ db: 'sqlite:./run.db', executors: { greet: async (ctx) => ({ greeted: ctx.payload.name }) }, concurrency: 1 });
const completed = new Promise((resolve) => rookery.events.on('taskCompleted', resolve));
await rookery.client.createSchedule({ name: 'greet-once', executor: 'greet', payload: { name: 'consumer' }, trigger: { kind: 'once', at: Date.now() } });
const task = await completed;
console.log(JSON.stringify({ state: task.state, result: task.result }));
await rookery.close();
`;

// The README's ten lines: a job enqueued, seen complete, and the process left to exit by itself.
const RUN_JOB = `
import { createRookery } from 'rookery';
const rookery = await createRookery({ db: 'sqlite:./jobs.db', executors: { greet: async (ctx) => ({ greeted: ctx.payload.name }) } });
const done = new Promise((resolve) => rookery.events.on('taskCompleted', resolve));
const { task } = await rookery.client.enqueue({ executor: 'greet', payload: { name: 'job' } });
const completed = await done;
console.log(JSON.stringify({ same: completed.id === task.id, state: completed.state, result: completed.result }));
await rookery.close();
`;

// The drivers are optional peer dependencies: a project that installed none but sqlite3 gets a
// typed error naming the package to install when it opens another dialect, from both packages.
const MISSING_DRIVERS = `
import { createSqlDatastore } from '@rookery/datastore-sql';
import { pgWakeSignals } from '@rookery/messaging';
const errors = [];
for (const url of ['postgres://app@127.0.0.1:1/db', 'mysql://app@127.0.0.1:1/db', 'mssql://app@127.0.0.1:1/db']) {
  errors.push(await createSqlDatastore({ url }).then(() => 'opened', (e) => [e.code, e.packageName]));
}
const wake = pgWakeSignals({ url: 'postgres://app@127.0.0.1:1/db', onError: (e) => errors.push([e.cause?.code, e.cause?.packageName, /npm install pg/.test(e.message)]) });
wake.announce(1);
await new Promise((resolve) => setTimeout(resolve, 500));
await wake.close();
console.log(JSON.stringify(errors));
`;

describe('the published packages, installed into a new project', () => {
  let dir: string;
  let project: string;
  let packs: PackReport[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rookery-install-'));
    const tarballs = join(dir, 'tarballs');
    project = join(dir, 'project');
    await mkdir(tarballs);
    await mkdir(project);
    const workspaces = PACKAGES.flatMap((p) => ['--workspace', p.dir]);
    packs = JSON.parse(
      await sh('npm', ['pack', ...workspaces, '--pack-destination', tarballs, '--json'], ROOT),
    ) as PackReport[];
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }),
    );
    const files = packs.map((p) => join(tarballs, p.filename));
    await sh(
      'npm',
      ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', ...files, SQLITE3],
      project,
      170_000,
    );
  }, 180_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('packs each package with its LICENSE, README, metadata, types, and the sources its maps point at', async () => {
    expect(packs.map((p) => p.name).sort()).toEqual(PACKAGES.map((p) => p.name).sort());
    for (const { dir: folder, name } of PACKAGES) {
      const pack = packs.find((p) => p.name === name);
      const files = new Set(pack?.files.map((f) => f.path));
      for (const file of ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts'])
        expect(files, `${name}: ${file}`).toContain(file);

      const manifest = JSON.parse(
        await readFile(join(project, 'node_modules', name, 'package.json'), 'utf8'),
      ) as Record<string, unknown>;
      expect(manifest, name).toMatchObject({
        license: 'MIT',
        repository: { type: 'git', directory: folder },
        engines: { node: '>=20.19' },
        exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
      });
      expect(manifest['homepage'], name).toMatch(/^https:\/\//);
      expect(manifest['keywords'], name).toEqual(expect.arrayContaining(['rookery']));

      // Every source map (of code and of declarations) names sources that ship in the tarball.
      const missing: string[] = [];
      for (const map of [...files].filter((f) => f.endsWith('.map'))) {
        const { sources } = JSON.parse(await readFile(join(ROOT, folder, map), 'utf8')) as { sources: string[] };
        for (const source of sources) {
          const path = relative('.', normalize(join(dirname(map), source)));
          if (!files.has(path)) missing.push(`${map} -> ${path}`);
        }
      }
      expect(missing, name).toEqual([]);
    }
  });

  it('imports every package as an ES module and requires it from CommonJS', async () => {
    await writeFile(join(project, 'import-all.mjs'), IMPORT_ALL);
    await writeFile(join(project, 'require-all.cjs'), REQUIRE_ALL);
    const expected = PACKAGES.map((p) => [p.name, 'function']);
    expect(JSON.parse(await sh(process.execPath, ['import-all.mjs'], project))).toEqual(expected);
    expect(JSON.parse(await sh(process.execPath, ['require-all.cjs'], project))).toEqual(expected);
  });

  it('type-checks an ES module consumer under moduleResolution node16 and bundler, and a CommonJS one under module node20', async () => {
    await writeFile(join(project, 'consumer.mts'), CONSUMER_ESM);
    await writeFile(join(project, 'consumer.cts'), CONSUMER_CJS);
    const common = [
      '--noEmit',
      '--strict',
      '--skipLibCheck',
      'false',
      '--target',
      'es2022',
      '--typeRoots',
      join(ROOT, 'node_modules', '@types'),
      '--types',
      'node',
    ];
    for (const [module, resolution, file] of [
      ['node16', 'node16', 'consumer.mts'],
      ['esnext', 'bundler', 'consumer.mts'],
      ['node20', 'node16', 'consumer.cts'],
    ] as const) {
      const checked = await sh(
        process.execPath,
        [TSC, ...common, '--module', module, '--moduleResolution', resolution, file],
        project,
      ).catch((error: { stdout?: string }) => `${module}/${resolution}: ${error.stdout ?? String(error)}`);
      expect(checked).toBe('');
    }
  }, 180_000);

  it('runs node_modules/.bin/rookery --version', async () => {
    const version = JSON.parse(await readFile(join(ROOT, 'packages', 'cli', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect((await sh(join(project, 'node_modules', '.bin', 'rookery'), ['--version'], project)).trim()).toBe(
      version.version,
    );
  });

  it('serves the dashboard from the installed @rookery/server: its built modules ship in the package', async () => {
    await writeFile(join(project, 'serve-dashboard.mjs'), SERVE_DASHBOARD);
    expect(JSON.parse(await sh(process.execPath, ['serve-dashboard.mjs'], project))).toEqual({
      page: 200,
      main: 200,
      hasScript: true,
    });
  });

  it('runs a ten-line createRookery script that enqueues a job, sees it complete, and exits by itself', async () => {
    await writeFile(join(project, 'run-job.mjs'), RUN_JOB);
    // Killed (and so failed) after a minute: the script must finish and its process exit on its own.
    const out = await sh(process.execPath, ['run-job.mjs'], project, 60_000);
    expect(RUN_JOB.trim().split('\n').length).toBeLessThanOrEqual(10);
    expect(JSON.parse(out)).toEqual({ same: true, state: 'completed', result: { greeted: 'job' } });
  }, 90_000);

  it('adds a task with node_modules/.bin/rookery task add and lists it with task ls', async () => {
    const rookery = join(project, 'node_modules', '.bin', 'rookery');
    const db = ['--db', 'sqlite:./cli.db'];
    const added = JSON.parse(
      await sh(
        rookery,
        [
          'task',
          'add',
          '--exec',
          'greet',
          '--payload',
          '{"name":"cli"}',
          '--key',
          'greet-cli',
          '--force',
          '--json',
          ...db,
        ],
        project,
      ),
    ) as { id: string; created: boolean; state: string };
    expect(added).toMatchObject({ created: true, state: 'pending' });
    const again = JSON.parse(
      await sh(rookery, ['task', 'add', '--exec', 'greet', '--key', 'greet-cli', '--force', '--json', ...db], project),
    ) as { id: string; created: boolean };
    expect(again).toMatchObject({ id: added.id, created: false });
    const listed = JSON.parse(await sh(rookery, ['task', 'ls', '--json', ...db], project)) as {
      id: string;
      executor: string;
      key: string | null;
    }[];
    expect(listed.map((t) => [t.id, t.executor, t.key])).toEqual([[added.id, 'greet', 'greet-cli']]);
  }, 90_000);

  it('runs a createRookery script that completes a once-schedule on a SQLite file and exits by itself', async () => {
    await writeFile(join(project, 'run-once.mjs'), RUN_ONCE);
    // Killed (and so failed) after a minute: the script must finish and its process exit on its own.
    const out = await sh(process.execPath, ['run-once.mjs'], project, 60_000);
    expect(JSON.parse(out)).toEqual({ state: 'completed', result: { greeted: 'consumer' } });
  }, 90_000);

  it('installs no driver but sqlite3 and names the package to install when another dialect is opened', async () => {
    await writeFile(join(project, 'missing-drivers.mjs'), MISSING_DRIVERS);
    const out = await sh(process.execPath, ['missing-drivers.mjs'], project, 60_000);
    expect(JSON.parse(out)).toEqual([
      ['MISSING_DRIVER', 'pg'],
      ['MISSING_DRIVER', 'mysql2'],
      ['MISSING_DRIVER', 'tedious'],
      ['MISSING_DRIVER', 'pg', true],
    ]);
  });
});
