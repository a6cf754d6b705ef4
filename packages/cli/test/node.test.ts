import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createStrategyRegistry, RookeryClient, runOnceMisfire, ValidationError } from '@rookery/core';
import { createSqlDatastore, type SqlDatastore } from '@rookery/datastore-sql';
import { ExecutorLoadError, ExecutorPackageError } from '@rookery/executor';
import { loadExecutorPackages, loadExecutors } from '../src/commands/load-executors.js';
import { resolveDbUrl } from '../src/options/db.js';
import { cli, cliJson, freshDb } from './helpers.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const FUNCTIONS = fileURLToPath(new URL('./fixtures/functions.mjs', import.meta.url));
const THROWS = fileURLToPath(new URL('./fixtures/throws-on-load.mjs', import.meta.url));
const MISSING = fileURLToPath(new URL('./fixtures/no-such-module.mjs', import.meta.url));
const BUILT_IN_NAME = fileURLToPath(new URL('./fixtures/built-in-name.mjs', import.meta.url));

describe('loadExecutors', () => {
  it('without a failure handler, throws the load error', async () => {
    await expect(loadExecutors([FUNCTIONS, THROWS])).rejects.toThrow(ExecutorLoadError);
  });

  it('with one, reports each module that fails to load and keeps the others', async () => {
    const failures: ExecutorLoadError[] = [];
    const executors = await loadExecutors([MISSING, FUNCTIONS, THROWS], (e) => failures.push(e));
    expect(executors.map((e) => e.name)).toEqual(['test-echo']);
    expect(failures.map((f) => f.path)).toEqual([MISSING, THROWS]);
    expect(failures[1]?.message).toContain('this fixture always fails to load');
    expect(failures[1]?.cause).toBeInstanceOf(Error);
  });

  it('still refuses an executor name offered by two modules', async () => {
    await expect(loadExecutors([FUNCTIONS, FUNCTIONS], () => undefined)).rejects.toThrow(ValidationError);
  });

  it('refuses a function named like a built-in executor', async () => {
    await expect(loadExecutors([BUILT_IN_NAME], () => undefined)).rejects.toThrow(
      expect.objectContaining({ field: 'executors.http', message: expect.stringContaining('built into rookery node') }),
    );
  });
});

describe('loadExecutorPackages', () => {
  it('loads installed packages, reporting one that cannot be loaded and keeping the others', async () => {
    const failures: ExecutorPackageError[] = [];
    const executors = await loadExecutorPackages(
      ['no-such-executor-package', 'rookery-example-executor'],
      new Set(['http']),
      (e) => failures.push(e),
    );
    expect(executors.map((e) => e.name)).toEqual(['word-count']);
    expect(failures.map((f) => f.packageName)).toEqual(['no-such-executor-package']);
    await expect(loadExecutorPackages(['no-such-executor-package'], new Set())).rejects.toThrow(ExecutorPackageError);
  });

  it('refuses an executor name offered already', async () => {
    await expect(loadExecutorPackages(['rookery-example-executor'], new Set(['word-count']))).rejects.toThrow(
      expect.objectContaining({ field: 'executors.word-count', message: expect.stringContaining('offered already') }),
    );
    await expect(
      loadExecutorPackages(['rookery-example-executor', 'rookery-example-executor'], new Set()),
    ).rejects.toThrow(ValidationError);
  });
});

describe('rookery node with no loadable executor module', () => {
  it('prints the generalError, keeps running (peel and repair only) and stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [BIN, 'node', '--db', freshDb(), '--id', 'no-exec', '--executors', THROWS, '--log', 'text'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 15_000;
    while (!/running with executors \[\]/.test(stderr) && child.exitCode === null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    // still up a moment later: the failure did not end the process
    await new Promise((r) => setTimeout(r, 500));
    expect(child.exitCode, stderr).toBeNull();
    expect(stdout).toMatch(/ no-exec nodeJoined/);
    const errorLine = stderr.split('\n').find((l) => l.includes('generalError'));
    expect(errorLine).toMatch(/^\S+Z no-exec generalError \[executors\]: /);
    expect(errorLine).toContain(THROWS);
    expect(errorLine).toContain('this fixture always fails to load');
    // built-in executors are offered only when named by --builtin
    expect(stderr).toContain(
      'no executor module or package could be loaded; it runs no executor (add --builtin to offer built-in ones)',
    );
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 30_000);
});

describe('rookery node built-in executors', () => {
  it('runs process jobs of allowed commands only, and their commands read the database URL from neither their environment nor the node’s', async () => {
    const db = freshDb();
    const dbFile = join(mkdtempSync(join(tmpdir(), 'rookery-db-file-')), 'db-url');
    writeFileSync(dbFile, `${db}\n`, { mode: 0o600 });
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ROOKERY_')));
    const child = spawn(
      process.execPath,
      [
        BIN,
        'node',
        '--id',
        'builtin',
        '--log',
        'text',
        '--db-file',
        dbFile,
        '--builtin',
        'process',
        '--allow-command',
        process.execPath,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env,
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 15_000;
      while (!/running with executors \[process\]/.test(stderr) && child.exitCode === null && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(stderr).toMatch(/running with executors \[process\]/);
      // the command looks for the URL in its own environment and in its node's (/proc/<ppid>/environ)
      const look = `const own = Object.values(process.env).some((v) => v.includes(${JSON.stringify(db)}));
        const node = require('fs').readFileSync('/proc/' + process.ppid + '/environ', 'latin1').includes(${JSON.stringify(db)});
        console.log('own=' + own + ' node=' + node)`;
      const at = new Date(Date.now() + 500).toISOString();
      const jobs = {
        look: { command: process.execPath, args: ['-e', look] },
        'not-allowed': { command: 'echo', args: ['hello'] },
        shell: { command: 'echo hello', shell: true },
      };
      for (const [name, payload] of Object.entries(jobs)) {
        const add = await cli([
          'job',
          'add',
          '--db',
          db,
          '--name',
          name,
          '--exec',
          'process',
          '--at',
          at,
          '--payload',
          JSON.stringify(payload),
        ]);
        expect(add.stderr).toBe('');
      }
      const ended = async (name: string): Promise<{ state: string; result: unknown; error: string | null }> => {
        let tasks: { state: string; result: unknown; error: string | null }[] = [];
        while (!['completed', 'failed'].includes(tasks[0]?.state ?? '') && Date.now() < deadline + 15_000) {
          await new Promise((r) => setTimeout(r, 100));
          tasks = await cliJson(['task', 'ls', '--db', db, '--job', name, '--json']);
        }
        return tasks[0]!;
      };
      expect(await ended('look')).toMatchObject({
        state: 'completed',
        result: { exitCode: 0, stdout: 'own=false node=false\n' },
      });
      expect(await ended('not-allowed')).toMatchObject({
        state: 'failed',
        error: expect.stringContaining('is not an allowed command on this node'),
      });
      expect(await ended('shell')).toMatchObject({
        state: 'failed',
        error: expect.stringContaining('shell commands are not allowed on this node'),
      });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 60_000);
});

describe('rookery node killed by SIGKILL', () => {
  it('takes its process task’s group (which ignores SIGTERM) with it within two seconds', async () => {
    const db = freshDb();
    const dir = mkdtempSync(join(tmpdir(), 'rookery-sigkill-'));
    const pidFile = join(dir, 'pid');
    const child = spawn(
      process.execPath,
      [BIN, 'node', '--db', db, '--id', 'doomed', '--log', 'text', '--builtin', 'process'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, XDG_RUNTIME_DIR: dir },
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    try {
      const deadline = Date.now() + 20_000;
      while (!/running with executors/.test(stderr) && child.exitCode === null && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      const script = `process.on('SIGTERM', () => {}); require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`;
      const payload = { command: process.execPath, args: ['-e', script] };
      const add = await cli([
        'job',
        'add',
        '--db',
        db,
        '--name',
        'long',
        '--exec',
        'process',
        '--at',
        new Date(Date.now() + 300).toISOString(),
        '--payload',
        JSON.stringify(payload),
      ]);
      expect(add.stderr).toBe('');
      while (!existsSync(pidFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 100)); // the pid is written whole
      const pid = Number(readFileSync(pidFile, 'utf8'));
      expect(pid).toBeGreaterThan(0);
      child.kill('SIGKILL');
      await exited;
      const dead = (): boolean => {
        try {
          return readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]?.startsWith('Z') ?? true;
        } catch {
          return true; // no such process
        }
      };
      const killedAt = performance.now();
      while (!dead() && performance.now() - killedAt < 2_000) await new Promise((r) => setTimeout(r, 20));
      expect(dead(), `process ${pid} outlived its SIGKILLed node`).toBe(true);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});

describe('rookery node options', () => {
  it('refuses a kill grace that does not fit into the lease, naming --kill-grace, before opening the database', async () => {
    // lease 3 s, trust margin 600 ms: an aborted group must be gone 600 ms before that, so 1.8 s at most
    const r = await cli([
      'node',
      '--db',
      freshDb(),
      '--builtin',
      'process',
      '--lease-ms',
      '3000',
      '--kill-grace',
      '2s',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('kill-grace');
    expect(r.stderr).toContain('at most 1800 ms');
  });

  it('refuses an unknown --builtin, and --allow-command or --allow-shell without --builtin process, naming the option', async () => {
    const cases: [string[], string][] = [
      [['--builtin', 'process,ftp'], 'builtin'],
      [['--allow-command', '/bin/echo'], 'allow-command'],
      [['--builtin', 'http', '--allow-shell'], 'allow-shell'],
      [['--builtin', 'process', '--allow-command', 'echo'], 'allow-command'],
    ];
    for (const [args, option] of cases) {
      const r = await cli(['node', '--db', freshDb(), ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(option);
    }
  });

  it('reads the database URL from --db-file or ROOKERY_DB_FILE, and refuses a missing file or both ways at once, naming them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rookery-db-file-'));
    const db = freshDb();
    writeFileSync(join(dir, 'url'), `  ${db}\n`);
    writeFileSync(join(dir, 'empty'), '\n');
    expect((await cli(['migrate', '--db-file', join(dir, 'url')])).code).toBe(0);
    expect(resolveDbUrl(undefined, {}, join(dir, 'url'))).toBe(db);
    expect(resolveDbUrl(undefined, { ROOKERY_DB_FILE: join(dir, 'url') })).toBe(db);
    expect(() => resolveDbUrl(undefined, { ROOKERY_DB: db, ROOKERY_DB_FILE: join(dir, 'url') })).toThrow(
      expect.objectContaining({ field: 'ROOKERY_DB_FILE' }),
    );
    for (const [args, message] of [
      [['--db-file', join(dir, 'missing')], 'ENOENT'],
      [['--db-file', join(dir, 'empty')], 'is empty'],
      [['--db', db, '--db-file', join(dir, 'url')], 'not both'],
    ] as const) {
      const r = await cli(['migrate', ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('db-file');
      expect(r.stderr).toContain(message);
    }
  });

  it('refuses a --peel-lease-ms outside 50 ms to the lease, naming it, before opening the database', async () => {
    const cases: [args: string[], line: string][] = [
      [['--peel-lease-ms', '20'], '--peel-lease-ms: must be a whole number from 50 to 10000, got 20'],
      [['--peel-lease-ms', '10001'], '--peel-lease-ms: must be a whole number from 50 to 10000, got 10001'],
      [['--lease-ms', '2000', '--peel-lease-ms', '2500'], '--peel-lease-ms: must be a whole number from 50 to 2000'],
      [['--peel-lease-ms', 'soon'], "--peel-lease-ms: must be a whole number from 1 to 3600000, got 'soon'"],
    ];
    for (const [args, line] of cases) {
      const db = freshDb();
      const r = await cli(['node', '--db', db, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(line);
      expect(existsSync(db.slice('sqlite:'.length)), 'no database file is written').toBe(false);
    }
  });

  it('refuses a --claim-pace-ms outside 0 to 1000, naming it, before opening the database', async () => {
    for (const value of ['-1', '1001', 'fast', '2.5']) {
      const db = freshDb();
      const r = await cli(['node', '--db', db, '--claim-pace-ms', value]);
      expect(r.code, value).toBe(2);
      expect(r.stderr).toContain('--claim-pace-ms: must be a whole number from 0 to 1000');
      expect(existsSync(db.slice('sqlite:'.length)), 'no database file is written').toBe(false);
    }
  });

  it('refuses a --pool-max that is not a whole number from 1, naming it, before opening the database', async () => {
    for (const value of ['0', 'ten', '1.5']) {
      const r = await cli(['node', '--db', freshDb(), '--pool-max', value]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('pool-max');
    }
  });

  it('refuses a --max-result-bytes outside 1 to 8 MiB, naming it, before opening the database', async () => {
    for (const value of ['0', 'big', '8388609']) {
      const r = await cli(['node', '--db', freshDb(), '--max-result-bytes', value]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`max-result-bytes: must be a whole number from 1 to 8388608, got '${value}'`);
    }
  });
});

/** A schedule, on `db`, whose misfire strategy `custom` no `rookery node` has: every node that claims it fails to plan it. */
async function unplannableSchedule(db: string): Promise<{ scheduleId: string; datastore: SqlDatastore }> {
  expect((await cli(['migrate', '--db', db])).code).toBe(0);
  const datastore = await createSqlDatastore({ url: db });
  const strategies = createStrategyRegistry().register('misfire', 'custom', runOnceMisfire);
  const client = new RookeryClient({ datastore, strategies, builtInExecutors: ['process'] });
  const schedule = await client.createSchedule({
    name: 'custom-misfire',
    executor: 'process',
    trigger: { kind: 'once', at: Date.now() + 1_000 },
    policies: { misfire: 'custom' },
  });
  return { scheduleId: schedule.id, datastore };
}

describe('rookery node --peel-lease-ms', () => {
  it('is the lease the node takes on the schedules it claims; one it cannot plan is reported once, however often it claims it', async () => {
    const db = freshDb();
    const { scheduleId, datastore: store } = await unplannableSchedule(db);
    const child = spawn(process.execPath, [BIN, 'node', '--db', db, '--id', 'peeler', '--peel-lease-ms', '1234'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      // The node cannot plan the schedule, so it keeps the claim's lease until that expires.
      const deadline = Date.now() + 20_000;
      let held = (await store.scheduleList()).find((s) => s.id === scheduleId);
      while (held?.leaseOwner == null && child.exitCode === null && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        held = (await store.scheduleList()).find((s) => s.id === scheduleId);
      }
      expect(held?.leaseOwner, stderr).toBeTruthy();
      expect((held?.leaseExpiresAt ?? 0) - (held?.updatedAt ?? 0)).toBe(1_234);
      // Claimed twice more, after each peel lease, it is still reported only once.
      const claimed = held?.fence ?? 0;
      while ((held?.fence ?? 0) < claimed + 2 && child.exitCode === null && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        held = (await store.scheduleList()).find((s) => s.id === scheduleId);
      }
      expect(held?.fence).toBeGreaterThanOrEqual(claimed + 2);
      const reports = stderr.split('\n').filter((l) => l.includes('generalError [peel]'));
      expect(reports, stderr).toHaveLength(1);
      expect(reports[0]).toContain("no misfire strategy 'custom'");
    } finally {
      child.kill('SIGTERM');
      await store.close();
    }
    expect(await exited).toBe(0);
  }, 40_000);
});
