import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freshDb } from './helpers.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const FUNCTIONS = fileURLToPath(new URL('./fixtures/functions.mjs', import.meta.url));

function rookery(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ROOKERY_DB: '' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the rookery executable', () => {
  it('exits 0, 2 and 1', () => {
    const db = freshDb();
    expect(rookery(['migrate', '--db', db]).status).toBe(0);
    const bad = rookery(['job', 'add', '--db', db, '--name', 'x', '--exec', 'y', '--every', '-5s']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trimEnd().split('\n')).toEqual([expect.stringContaining('every')]);
    const missing = rookery(['job', 'show', 'nothing', '--db', db]);
    expect(missing.status).toBe(1);
    expect(missing.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(rookery(['--help']).status).toBe(0);
    expect(rookery(['no-such-command']).status).toBe(2);
  });

  it('rookery node migrates, runs tasks, logs JSON lines and stops on SIGTERM', async () => {
    const db = freshDb();
    const child = spawn(
      process.execPath,
      [BIN, 'node', '--db', db, '--id', 'bin-node', '--log', 'json', '--executors', FUNCTIONS, '--lease-ms', '3000'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const lines: Record<string, unknown>[] = [];
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const seen = (event: string): Promise<Record<string, unknown>> =>
      new Promise((resolve) => {
        const check = (): void => {
          const l = lines.find((x) => x.event === event);
          if (l) resolve(l);
          else setTimeout(check, 50);
        };
        check();
      });
    createInterface({ input: child.stdout }).on('line', (l) => lines.push(JSON.parse(l) as Record<string, unknown>));
    await seen('nodeJoined');
    const add = rookery(['job', 'add', '--db', db, '--name', 'echo', '--exec', 'test-echo', '--every', '1s']);
    expect(add.stderr).toBe('');
    const done = await seen('taskCompleted');
    expect(done).toMatchObject({ nodeId: 'bin-node', attempt: 1, state: 'completed' });
    expect(Object.keys(done)).toEqual(
      expect.arrayContaining([
        'event',
        'nodeId',
        'taskId',
        'scheduleId',
        'fireAt',
        'attempt',
        'fence',
        'state',
        'executor',
        'level',
        'time',
        'msg',
      ]),
    );
    const tasks = JSON.parse(rookery(['task', 'ls', '--json', '--state', 'completed', '--db', db]).stdout) as {
      result: unknown;
    }[];
    expect(tasks[0]?.result).toEqual({ nodeId: 'bin-node', attempt: 1 });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(lines.at(-1)?.event).toBe('nodeLeft');
    expect(stderr).toBe('');
  }, 30_000);
});
