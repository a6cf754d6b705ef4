import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RookeryClient, type Task } from '@rookery/core';
import { createSqlDatastore, type SqlDatastore } from '@rookery/datastore-sql';
import { testDialects, type TestDatabase } from '../../packages/datastore-sql/test/helpers/test-databases.js';
import { startFakeFramework, type FakeFramework } from '../fake-framework/server.js';
import { ROOKERY_BIN, startNode, stopNode, waitUntil, type ClusterNode, type ClusterOptions } from '../src/cluster.js';
import { printNodeErrors } from '../src/report.js';

const FAKE_FRAMEWORK_EXECUTORS = resolve(dirname(fileURLToPath(import.meta.url)), '../fake-framework/executors.mjs');
const LEASE_MS = 2_000;

/** Runs `rookery ...` as a child process, as a framework's callback would. */
function rookery(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [ROOKERY_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

const dialects = await testDialects();

describe.each(dialects)('external executions in a fake framework that outlive their node, on $label', (dialect) => {
  let framework: FakeFramework;
  let db: TestDatabase;
  let store: SqlDatastore;
  let dir: string;
  const nodes: ClusterNode[] = [];

  beforeAll(async () => {
    if (!dialect.available) return;
    framework = await startFakeFramework();
    process.env['FAKE_FRAMEWORK_URL'] = framework.url;
    db = await dialect.create();
    store = await createSqlDatastore({ url: db.url });
    dir = await mkdtemp(join(tmpdir(), 'rookery-external-'));
  });

  afterAll(async () => {
    if (!dialect.available) return;
    printNodeErrors(nodes);
    for (const n of nodes) n.child.kill('SIGKILL');
    await store.close();
    await db.drop();
    await framework.close();
    await rm(dir, { recursive: true, force: true });
  });

  const settings = (): ClusterOptions => ({
    db: db.url,
    ids: [],
    executors: [FAKE_FRAMEWORK_EXECUTORS],
    history: join(dir, 'history.jsonl'),
    leaseMs: LEASE_MS,
    concurrency: 4,
  });

  async function node(id: string, extraArgs: string[] = []): Promise<ClusterNode> {
    const n = startNode(settings(), id, extraArgs);
    nodes.push(n);
    await waitUntil(
      async () => (await store.nodeList()).some((r) => r.id === id && r.stoppedAt === null),
      20_000,
      `node ${id} to register`,
    );
    return n;
  }

  async function runningWithExecution(scheduleId: string): Promise<Task> {
    let task: Task | undefined;
    await waitUntil(
      async () => {
        [task] = await store.taskList({ scheduleId });
        return task?.state === 'running' && task.executionId !== null;
      },
      15_000,
      'the task to run with its execution recorded',
    );
    if (!task) throw new Error('no task');
    return task;
  }

  async function settled(taskId: string): Promise<Task> {
    let task: Task | undefined;
    await waitUntil(
      async () => (task = await store.taskGet(taskId))?.state !== 'running',
      20_000,
      `task ${taskId} to settle`,
    );
    if (!task) throw new Error('no task');
    return task;
  }

  it.skipIf(!dialect.available)(
    'a polled execution that finished while its node was dead (SIGKILL) is recorded completed by the node that adopts it, not rerun',
    async () => {
      const first = await node('polled-1');
      const schedule = await new RookeryClient({ datastore: store }).createSchedule({
        name: 'polled',
        executor: 'fakePolled',
        payload: { ms: 3_000, result: { rows: 42 } },
        trigger: { kind: 'once', at: Date.now() },
      });
      const task = await runningWithExecution(schedule.id);
      expect(task).toMatchObject({ nodeId: 'polled-1', attempt: 1, executionId: `${task.id}.${task.fence}` });
      first.child.kill('SIGKILL');
      await first.exited;

      // The execution finishes in the framework while no node is there to see it.
      await waitUntil(() => framework.finished(task.executionId ?? ''), 10_000, 'the execution to finish');
      await new Promise((r) => setTimeout(r, LEASE_MS));
      expect(await store.taskGet(task.id)).toMatchObject({ state: 'running', nodeId: 'polled-1' });

      const second = await node('polled-2');
      const done = await settled(task.id);
      expect(done).toMatchObject({
        state: 'completed',
        result: { rows: 42 },
        attempt: 1,
        repairs: 0,
        nodeId: 'polled-2',
        executionId: task.executionId,
      });
      expect(framework.executions().filter((e) => e.taskId === task.id)).toHaveLength(1);
      const events = await store.taskEvents(task.id);
      expect(events.map((e) => [e.from, e.to, e.nodeId])).toEqual([
        [null, 'pending', 'polled-1'],
        ['pending', 'running', 'polled-1'],
        ['running', 'running', 'polled-2'],
        ['running', 'completed', 'polled-2'],
      ]);
      expect(events[2]?.reason).toMatch(/^adopted: /);
      expect(events.map((e) => e.fence)).toEqual([0, 1, 2, 2]);
      expect(await stopNode(second)).toBe(0);
    },
  );

  it.skipIf(!dialect.available)(
    'a node stopped gracefully (SIGTERM) hands its execution over: another node adopts it, nothing is cancelled or rerun',
    async () => {
      const first = await node('graceful-1', ['--grace', '500ms']);
      const schedule = await new RookeryClient({ datastore: store }).createSchedule({
        name: 'graceful',
        executor: 'fakePolled',
        payload: { ms: 4_000, result: { handed: 'over' } },
        trigger: { kind: 'once', at: Date.now() },
      });
      const task = await runningWithExecution(schedule.id);
      const second = await node('graceful-2');
      expect(await stopNode(first)).toBe(0);
      expect(first.output.join('')).toContain('"event":"taskReleased"');
      const done = await settled(task.id);
      expect(done).toMatchObject({
        state: 'completed',
        result: { handed: 'over' },
        attempt: 1,
        nodeId: 'graceful-2',
        executionId: task.executionId,
      });
      const executions = framework.executions().filter((e) => e.taskId === task.id);
      expect(executions.map((e) => e.cancelled)).toEqual([false]);
      expect(await stopNode(second)).toBe(0);
    },
  );

  it.skipIf(!dialect.available)(
    'a message-reported execution whose node died is recorded through `rookery task report`; a report of another execution is refused',
    async () => {
      const first = await node('messaged-1');
      const schedule = await new RookeryClient({ datastore: store }).createSchedule({
        name: 'messaged',
        executor: 'fakeMessaged',
        trigger: { kind: 'once', at: Date.now() },
      });
      const task = await runningWithExecution(schedule.id);
      const executionId = task.executionId ?? '';
      first.child.kill('SIGKILL');
      await first.exited;
      framework.finish(executionId);

      // The framework reports the outcome from outside any node.
      const wrong = await rookery([
        'task',
        'report',
        task.id,
        '--execution',
        `${task.id}.0`,
        '--completed',
        '--db',
        db.url,
      ]);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/report refused: .* runs execution /);
      const report = await rookery([
        'task',
        'report',
        task.id,
        '--execution',
        executionId,
        '--completed',
        '--result',
        '{"via":"report"}',
        '--db',
        db.url,
      ]);
      expect(report).toMatchObject({ code: 0, stderr: '' });

      const second = await node('messaged-2');
      const done = await settled(task.id);
      expect(done).toMatchObject({
        state: 'completed',
        result: { via: 'report' },
        attempt: 1,
        nodeId: 'messaged-2',
        executionId,
      });
      expect(framework.executions().filter((e) => e.taskId === task.id)).toHaveLength(1);
      expect(await stopNode(second)).toBe(0);
    },
  );
});
