import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli, cliJson, freshDb } from './helpers.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

interface TaskOut {
  id: string;
  state: string;
  key: string | null;
  scheduleId: string | null;
  executor: string;
  dueAt: string;
  created: boolean;
}

describe('rookery task add', () => {
  it('refuses bad options by name and an unknown executor unless --force, writing nothing', async () => {
    const db = freshDb();
    expect((await cli(['migrate', '--db', db])).code).toBe(0);
    const cases: [string[], RegExp][] = [
      [['--exec', 'nobody-offers-this'], /^error: --exec: /],
      [['--exec', 'process', '--payload', '{'], /^error: --payload: not valid JSON/],
      [['--exec', 'process', '--payload', '{}'], /^error: --payload \(payload\.command\)/],
      [['--exec', 'x', '--force', '--in', '5x'], /^error: --in: invalid duration '5x'/],
      [
        ['--exec', 'x', '--force', '--in', '5s', '--at', '2030-01-01T00:00:00Z'],
        /^error: --in: give --at or --in, not both/,
      ],
      [['--exec', 'x', '--force', '--at', '2030-01-01T00:00'], /^error: --at: /],
      [['--exec', 'x', '--force', '--priority', '5000'], /^error: --priority: /],
      [['--exec', 'x', '--force', '--key', ''], /^error: --key: /],
      [['--exec', 'x', '--force', '--backoff', 'fixed:1s'], /^error: --retries: --backoff needs --retries N/],
      [
        ['--exec', 'x', '--force', '--key', 'k', '--key-scope', 'forever'],
        /^error: --key-scope: 'forever' is not a key scope/,
      ],
      [['--exec', 'x', '--force', '--key', 'k', '--key-scope', '-1h'], /^error: --key-scope: '-1h' is not a key scope/],
      [['--exec', 'x', '--force', '--key-scope', 'ever'], /^error: --key-scope: needs --key/],
      [
        ['--exec', 'x', '--force', '--key', 'k', '--key-scope', '500ms'],
        /^error: --key-scope \(keyScope\.periodMs\): /,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await cli(['task', 'add', ...args, '--db', db]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(await cliJson<unknown[]>(['task', 'ls', '--json', '--db', db])).toEqual([]);
    const forced = await cliJson<TaskOut>([
      'task',
      'add',
      '--exec',
      'later',
      '--force',
      '--in',
      '1h',
      '--priority',
      '3',
      '--retries',
      '2',
      '--backoff',
      'exponential:1s',
      '--timeout',
      '30s',
      '--json',
      '--db',
      db,
    ]);
    expect(forced).toMatchObject({ executor: 'later', state: 'pending', scheduleId: null, created: true });
    expect(Date.parse(forced.dueAt) - Date.now()).toBeGreaterThan(3_500_000);
  });

  it('--key-scope ever keeps the key after its task ends; a period scope answers within its period; live frees it', async () => {
    const db = freshDb();
    expect((await cli(['migrate', '--db', db])).code).toBe(0);
    const add = (key: string, scope?: string): Promise<TaskOut> =>
      cliJson<TaskOut>([
        'task',
        'add',
        '--exec',
        'later',
        '--force',
        '--in',
        '1h',
        '--key',
        key,
        ...(scope ? ['--key-scope', scope] : []),
        '--json',
        '--db',
        db,
      ]);
    const cancel = async (id: string): Promise<void> =>
      expect((await cli(['task', 'cancel', id, '--db', db])).code).toBe(0);

    const ever = await add('report', 'ever');
    expect(ever).toMatchObject({ key: 'report', state: 'pending', created: true });
    await cancel(ever.id);
    expect(await add('report', 'ever')).toMatchObject({ id: ever.id, state: 'cancelled', created: false });

    const yearly = await add('digest', '366d'); // a period boundary between the two adds is a year apart
    await cancel(yearly.id);
    expect(await add('digest', '366d')).toMatchObject({ id: yearly.id, state: 'cancelled', created: false });

    const live = await add('sync', 'live');
    await cancel(live.id);
    const again = await add('sync');
    expect(again.created).toBe(true);
    expect(again.id).not.toBe(live.id);
  }, 60_000);

  it('with no node running, then a node: the task runs once; the same --key twice gives one task', async () => {
    const db = freshDb();
    expect((await cli(['migrate', '--db', db])).code).toBe(0);
    const out = join(mkdtempSync(join(tmpdir(), 'rookery-task-add-')), 'ran');
    const payload = JSON.stringify({
      command: process.execPath,
      args: ['-e', `require('fs').appendFileSync(${JSON.stringify(out)}, 'ran\\n')`],
    });
    const add = ['task', 'add', '--exec', 'process', '--payload', payload, '--key', 'nightly-export', '--db', db];
    const first = await cliJson<TaskOut>([...add, '--json']);
    expect(first).toMatchObject({ state: 'pending', key: 'nightly-export', scheduleId: null, created: true });
    const again = await cli(add);
    expect(again.stdout).toBe(`exists ${first.id} (process, key nightly-export, pending): nothing added\n`);

    const child = spawn(
      process.execPath,
      [
        BIN,
        'node',
        '--db',
        db,
        '--id',
        'runner',
        '--log',
        'text',
        '--builtin',
        'process',
        '--allow-command',
        process.execPath,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30_000;
      let tasks: TaskOut[] = [];
      while (tasks[0]?.state !== 'completed' && child.exitCode === null && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        tasks = await cliJson<TaskOut[]>(['task', 'ls', '--json', '--db', db]);
      }
      expect(tasks, stderr).toHaveLength(1);
      expect(tasks[0]).toMatchObject({ id: first.id, state: 'completed', attempt: 1, nodeId: 'runner' });
      expect(readFileSync(out, 'utf8')).toBe('ran\n');
      const table = await cli(['task', 'ls', '--db', db]);
      expect(table.stdout).toContain('(enqueued)');
      // The key is free once its task has ended: the same --key makes a new task.
      const after = await cliJson<TaskOut>([...add, '--json']);
      expect(after.created).toBe(true);
      expect(after.id).not.toBe(first.id);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 60_000);
});
