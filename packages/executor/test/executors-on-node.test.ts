import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RookeryClient, RookeryNode, type EventBus, type Json, type ScheduleInput, type Task } from '@rookery/core';
import { createSqlDatastore, type SqlDatastore } from '@rookery/datastore-sql';
import { createEventBus, waitFor } from '@rookery/messaging';
import { httpExecutor, processExecutor, verifyRookerySignature, WorkerPool } from '../src/index.js';
import { startServer } from './http/test-server.js';

// The built-in executors run by a real node on an SQL datastore (a temporary SQLite file), with
// short retry delays given by each schedule.

let dir: string;
let datastore: SqlDatastore;
let events: EventBus;
let node: RookeryNode;
let errors: Error[];
const closers: (() => Promise<void>)[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rookery-executors-'));
  datastore = await createSqlDatastore({ url: `sqlite:${join(dir, 'test.db')}` });
  events = createEventBus();
  errors = [];
  events.on('generalError', (error) => errors.push(error));
  node = new RookeryNode({
    datastore,
    events,
    executors: [
      httpExecutor({ secret: 'sesame', timeoutMs: 5_000 }),
      processExecutor({
        killGraceMs: 300,
        runtimeDir: dir,
        log: { headLines: 1, tailLines: 2, maxLineLength: 100 },
        onError: (error, taskId) => events.emit('generalError', error, { nodeId: 'n1', source: 'executor', taskId }),
      }),
    ],
    pool: new WorkerPool({ concurrency: 4 }),
    id: 'n1',
    pollWaitsMs: [50],
  });
  await node.start();
});

afterEach(async () => {
  await node.stop({ graceMs: 1_000 });
  await datastore.close();
  await Promise.all(closers.splice(0).map((close) => close()));
  rmSync(dir, { recursive: true, force: true });
  expect(errors).toEqual([]);
});

/** Creates a one-shot schedule due now and waits for its task to end as `until`. */
async function runOnce(
  executor: string,
  payload: Json,
  policies: NonNullable<ScheduleInput['policies']>,
  until: 'taskCompleted' | 'taskFailed',
): Promise<Task> {
  const client = new RookeryClient({ datastore, events });
  const at = (await datastore.clockNow()) + 50;
  const ended = waitFor(events, until, () => true, 20_000);
  await client.createSchedule({
    name: `${executor}-${at}`,
    executor,
    payload,
    trigger: { kind: 'once', at },
    policies,
  });
  const [task] = await ended;
  return task;
}

describe('built-in executors on a node with an SQLite datastore', () => {
  it('http: a 503 is retried after the backoff, then the 200 completes the task; each call carries a larger fence', async () => {
    const fences: number[] = [];
    const calledAt: number[] = [];
    const s = await startServer((req, res, n) => {
      calledAt.push(performance.now());
      const check = verifyRookerySignature({
        secret: 'sesame',
        method: req.method,
        url: s.url + req.path,
        headers: req.headers,
        body: req.body,
        minFence: fences.at(-1) ?? 0,
      });
      if (!check.ok) return void res.writeHead(401).end(check.message);
      fences.push(check.fence);
      if (n === 1) res.writeHead(503).end('warming up');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    closers.push(s.close);
    const retried = waitFor(events, 'taskRetried', () => true, 20_000);
    const task = await runOnce(
      'http',
      { url: `${s.url}/hook`, body: { n: 1 } },
      { retry: { kind: 'fixed', maxAttempts: 3, delayMs: 200 } },
      'taskCompleted',
    );
    const [, retryError] = await retried;
    expect(retryError).toMatch(/answered 503 Service Unavailable: warming up/);
    expect(task.attempt).toBe(2);
    expect(task.failures).toBe(1);
    expect(task.result).toEqual({ status: 200, body: { ok: true }, truncated: false });
    expect(s.received.length).toBe(2);
    // the retry waited for its backoff (200 ms, judged by the database clock; a lower bound only)
    expect((calledAt[1] ?? 0) - (calledAt[0] ?? 0)).toBeGreaterThanOrEqual(150);
    expect(fences.length).toBe(2);
    expect(fences[1]).toBeGreaterThan(fences[0] ?? Infinity);
  });

  it('http: a 404 fails the task for good, with retries left', async () => {
    const s = await startServer((_req, res) => res.writeHead(404).end('no such hook'));
    closers.push(s.close);
    const task = await runOnce(
      'http',
      { url: `${s.url}/gone` },
      { retry: { kind: 'fixed', maxAttempts: 3, delayMs: 50 } },
      'taskFailed',
    );
    expect(task.state).toBe('failed');
    expect(task.failures).toBe(1);
    expect(task.error).toMatch(/answered 404 Not Found: no such hook/);
    expect(s.received.length).toBe(1);
  });

  it('http: credentials in the URL reach neither the error, the reason, the history nor the events of a failed task', async () => {
    const s = await startServer((_req, res) => res.writeHead(401).end('who are you'));
    closers.push(s.close);
    const said: string[] = [];
    events.on('taskRetried', (_t, error) => said.push(error));
    events.on('taskFailed', (_t, error) => said.push(error));
    const url = s.url.replace('http://', 'http://deploy:pa%3As%40w0rd@');
    const answered = await runOnce(
      'http',
      { url: `${url}/hook?token=abc` },
      { retry: { kind: 'fixed', maxAttempts: 2, delayMs: 50 } },
      'taskFailed',
    );
    expect(s.received[0]?.headers.authorization).toBe(`Basic ${Buffer.from('deploy:pa:s@w0rd').toString('base64')}`);
    const gone = await startServer(() => undefined);
    await gone.close();
    const refused = await runOnce(
      'http',
      { url: `${gone.url.replace('http://', 'http://deploy:pa%3As%40w0rd@')}/hook` },
      { retry: { kind: 'fixed', maxAttempts: 2, delayMs: 50 } },
      'taskFailed',
    );
    expect(answered.error).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/hook answered 401/);
    expect(refused.error).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/hook failed: .*ECONNREFUSED/);
    const history = [...(await datastore.taskEvents(answered.id)), ...(await datastore.taskEvents(refused.id))];
    const shown = JSON.stringify({ answered, refused, history, said }).replace(/"payload":\{[^}]*\}/g, '');
    expect(said.length).toBeGreaterThanOrEqual(2);
    expect(shown).not.toMatch(/pa(%3A|:)s(%40|@)w0rd|deploy|token=abc/);
  });

  it('process: the schedule’s timeout ends a child that ignores SIGTERM, and its whole group', async () => {
    const pids: number[] = [];
    events.on('taskLog', (_id, line) => {
      const m = /^pids (\d+) (\d+)$/.exec(line);
      if (m) pids.push(Number(m[1]), Number(m[2]));
    });
    const grandchild = "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)";
    const child = `
      const g = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: 'ignore' });
      process.on('SIGTERM', () => {});
      console.log('pids ' + process.pid + ' ' + g.pid);
      for (let i = 1; i <= 5; i++) console.log('step ' + i);
      setInterval(() => {}, 1000);`;
    const task = await runOnce(
      'process',
      { command: process.execPath, args: ['-e', child] },
      { timeoutMs: 1_000 },
      'taskFailed',
    );
    expect(task.error).toMatch(/timed out after 1000 ms/);
    expect(pids.length).toBe(2);
    const [pgid, grandPid] = pids as [number, number];
    // the kept tail was logged when the timeout struck, so the node stored it with the attempt
    const stored = (await datastore.taskLogRead({ taskId: task.id })).map((l) => l.line);
    expect(stored).toEqual([
      `pids ${pgid} ${grandPid}`,
      '[rookery: 3 line(s) of output cut; the last 2 follow]',
      'step 4',
      'step 5',
    ]);
    // liveness: the group is SIGKILLed 300 ms after the timeout; allow generously for reaping
    await until(() => gone(-pgid) && gone(grandPid), 15_000);
  });

  it('process: a cancelled attempt whose command ignores SIGTERM is committed only once its group is gone', async () => {
    const client = new RookeryClient({ datastore, events });
    const pids: number[] = [];
    const aliveAtCancel: boolean[] = [];
    events.on('taskLog', (id, line) => {
      const m = /^pid (\d+)$/.exec(line);
      if (!m) return;
      pids.push(Number(m[1]));
      void client.cancelTask(id);
    });
    events.on('taskCancelled', () => aliveAtCancel.push(pids[0] !== undefined && !gone(pids[0])));
    const cancelled = waitFor(events, 'taskCancelled', () => true, 20_000);
    const at = (await datastore.clockNow()) + 50;
    const child = "process.on('SIGTERM', () => {}); console.log('pid ' + process.pid); setInterval(() => {}, 1000)";
    await client.createSchedule({
      name: 'ignores-sigterm',
      executor: 'process',
      payload: { command: process.execPath, args: ['-e', child] },
      trigger: { kind: 'once', at },
    });
    const [task] = await cancelled;
    expect(task.state).toBe('cancelled');
    // SIGKILLed 300 ms after SIGTERM; the outcome was committed after that
    expect(pids.length).toBe(1);
    expect(aliveAtCancel).toEqual([false]);
  });

  it('process: exit code 0 completes with the stdout tail, a failing command is retried', async () => {
    const ok = await runOnce('process', { command: 'echo', args: ['hello', '*'] }, {}, 'taskCompleted');
    expect(ok.result).toEqual({ exitCode: 0, stdout: 'hello *\n', stdoutCutChars: 0 });
    const failed = await runOnce(
      'process',
      { command: 'false' },
      { retry: { kind: 'fixed', maxAttempts: 2, delayMs: 50 } },
      'taskFailed',
    );
    expect(failed.failures).toBe(2);
    expect(failed.error).toMatch(/command 'false' exited with code 1/);
  });
});

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ESRCH') throw error;
    return true;
  }
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  for (const start = performance.now(); !condition();) {
    if (performance.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
