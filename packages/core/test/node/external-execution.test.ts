import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestEventBus as createEventBus, TestWorkerPool as WorkerPool } from '../../src/testing/index.js';
import {
  MemoryDatastore,
  RookeryClient,
  RookeryNode,
  type Datastore,
  type Executor,
  type ExternalStatus,
} from '../../src/index.js';
import { partition, stopUnderFakeTime, useFakeTime } from './harness.js';

beforeEach(() => useFakeTime());
afterEach(() => vi.useRealTimers());

/** A fake external framework: executions finish when the test says so. */
function fakeFramework(reports: 'poll' | 'message', withStatus: boolean) {
  const states = new Map<string, ExternalStatus>();
  const cancelled: string[] = [];
  let next = 0;
  const executor: Executor = {
    name: 'external',
    start: async () => {
      next += 1;
      const executionId = `exec-${next}`;
      states.set(executionId, { state: 'running' });
      return { kind: 'external', executionId, reports };
    },
    ...(withStatus
      ? {
          status: async (id: string) =>
            states.get(id) ?? { state: 'failed', error: 'unknown execution', retryable: false },
        }
      : {}),
    cancel: async (id: string) => void cancelled.push(id),
  };
  return { executor, states, cancelled };
}

async function cluster(executor: Executor, policies: Record<string, unknown> = {}) {
  const datastore = new MemoryDatastore();
  const events = createEventBus();
  const node = new RookeryNode({
    datastore,
    events,
    executors: [executor],
    pool: new WorkerPool({ concurrency: 2 }),
    leaseMs: 3_000,
    pollWaitsMs: [100],
  });
  await node.start();
  await new RookeryClient({ datastore, builtInExecutors: ['external'] }).createSchedule({
    name: 'ext',
    executor: 'external',
    trigger: { kind: 'once', at: Date.now() + 10 },
    policies,
  });
  return { datastore, node };
}

describe('external executions', () => {
  it('polls status() until the execution completes, keeping the lease meanwhile', async () => {
    const fw = fakeFramework('poll', true);
    const { datastore, node } = await cluster(fw.executor);
    await vi.advanceTimersByTimeAsync(8_000);
    expect((await datastore.taskList())[0]?.state).toBe('running');
    fw.states.set('exec-1', { state: 'completed', result: { rows: 3 } });
    await vi.advanceTimersByTimeAsync(500);
    const [task] = await datastore.taskList();
    expect(task).toMatchObject({ state: 'completed', result: { rows: 3 }, attempt: 1 });
    await stopUnderFakeTime(node);
  });

  it('takes the outcome from a message delivered with reportExecution', async () => {
    const fw = fakeFramework('message', false);
    const { datastore, node } = await cluster(fw.executor);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(node.reportExecution('exec-unknown', { state: 'completed', result: null })).toBe(false);
    expect(node.reportExecution('exec-1', { state: 'completed', result: 'ok' })).toBe(true);
    await vi.advanceTimersByTimeAsync(200);
    expect((await datastore.taskList())[0]).toMatchObject({ state: 'completed', result: 'ok' });
    await stopUnderFakeTime(node);
  });

  it('fails for good on a non-retryable failure, despite a retry policy', async () => {
    const fw = fakeFramework('poll', true);
    const { datastore, node } = await cluster(fw.executor, { retry: { kind: 'fixed', maxAttempts: 3, delayMs: 100 } });
    await vi.advanceTimersByTimeAsync(500);
    fw.states.set('exec-1', { state: 'failed', error: 'bad input', retryable: false });
    await vi.advanceTimersByTimeAsync(2_000);
    expect((await datastore.taskList())[0]).toMatchObject({ state: 'failed', error: 'bad input', attempt: 1 });
    await stopUnderFakeTime(node);
  });

  it('retries a retryable failure, with a new execution', async () => {
    const fw = fakeFramework('poll', true);
    const { datastore, node } = await cluster(fw.executor, { retry: { kind: 'fixed', maxAttempts: 3, delayMs: 100 } });
    await vi.advanceTimersByTimeAsync(500);
    fw.states.set('exec-1', { state: 'failed', error: 'busy', retryable: true });
    await vi.advanceTimersByTimeAsync(1_000);
    fw.states.set('exec-2', { state: 'completed', result: null });
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await datastore.taskList())[0]).toMatchObject({ state: 'completed', attempt: 2, failures: 1 });
    await stopUnderFakeTime(node);
  });

  it('cancels the external execution when the attempt times out', async () => {
    const fw = fakeFramework('poll', true);
    const { datastore, node } = await cluster(fw.executor, { timeoutMs: 1_000 });
    await vi.advanceTimersByTimeAsync(3_000);
    expect(fw.cancelled).toEqual(['exec-1']);
    expect((await datastore.taskList())[0]).toMatchObject({ state: 'failed', error: 'timed out after 1000 ms' });
    await stopUnderFakeTime(node);
  });
});

describe('external executions that outlive their node', () => {
  /** Two nodes on one store; node a can be cut off from it (as good as dead to the cluster). */
  async function twoNodes(executor: Executor, policies: Record<string, unknown> = {}) {
    const datastore = new MemoryDatastore();
    let cut = false;
    const errors: Error[] = [];
    const start = async (id: string, store: Datastore) => {
      const events = createEventBus();
      events.on('generalError', (e) => errors.push(e));
      const adopted: string[] = [];
      events.on('taskAdopted', (t) => adopted.push(t.id));
      const node = new RookeryNode({
        datastore: store,
        events,
        executors: [executor],
        pool: new WorkerPool({ concurrency: 2 }),
        leaseMs: 3_000,
        pollWaitsMs: [100],
        id,
      });
      await node.start();
      return { node, adopted };
    };
    const a = await start(
      'a',
      partition(datastore, () => cut),
    );
    await new RookeryClient({ datastore, builtInExecutors: ['external'] }).createSchedule({
      name: 'ext',
      executor: 'external',
      trigger: { kind: 'once', at: Date.now() + 10 },
      policies,
    });
    await vi.advanceTimersByTimeAsync(1_000);
    const b = await start('b', datastore);
    return { datastore, a, b, errors, cutA: () => (cut = true) };
  }

  it('records the execution id; a node that adopts the task after its node is lost polls it and records it completed, not rerun', async () => {
    const fw = fakeFramework('poll', true);
    // node b only gets to run the task by adoption: a holds it when b starts
    const { datastore, a, b, cutA, errors } = await twoNodes(fw.executor);
    expect((await datastore.taskList())[0]).toMatchObject({ state: 'running', nodeId: 'a', executionId: 'exec-1' });
    cutA();
    await vi.advanceTimersByTimeAsync(5_000);
    const [task] = await datastore.taskList();
    expect(task).toMatchObject({ state: 'running', nodeId: 'b', executionId: 'exec-1', attempt: 1, repairs: 0 });
    expect(b.adopted).toEqual([task?.id]);
    fw.states.set('exec-1', { state: 'completed', result: { rows: 3 } });
    await vi.advanceTimersByTimeAsync(500);
    expect((await datastore.taskList())[0]).toMatchObject({
      state: 'completed',
      result: { rows: 3 },
      attempt: 1,
      nodeId: 'b',
    });
    expect(fw.states.size).toBe(1); // one execution: started once, never again
    expect(fw.cancelled).toEqual([]); // the lost node left the execution alone
    expect(errors.filter((e) => e.message !== 'network unreachable')).toEqual([]);
    await stopUnderFakeTime(b.node);
    await stopUnderFakeTime(a.node);
  });

  it('an adopter applies the retry policy to a failed execution', async () => {
    const fw = fakeFramework('poll', true);
    const { datastore, a, b, cutA, errors } = await twoNodes(fw.executor, {
      retry: { kind: 'fixed', maxAttempts: 2, delayMs: 100 },
    });
    fw.states.set('exec-1', { state: 'failed', error: 'evicted', retryable: true });
    cutA();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(fw.states.size).toBe(2);
    fw.states.set('exec-2', { state: 'completed', result: null });
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await datastore.taskList())[0]).toMatchObject({
      state: 'completed',
      attempt: 2,
      failures: 1,
      nodeId: 'b',
      executionId: 'exec-2',
    });
    expect(errors.filter((e) => e.message !== 'network unreachable')).toEqual([]);
    await stopUnderFakeTime(b.node);
    await stopUnderFakeTime(a.node);
  });

  it('a report stored from outside reaches the lease holder on renewal; one about another execution is refused', async () => {
    const fw = fakeFramework('message', false);
    const { datastore, a, b, errors } = await twoNodes(fw.executor);
    const [running] = await datastore.taskList();
    if (!running) throw new Error('no task');
    const completed = { state: 'completed', result: 'from outside' } as const;
    expect(
      await datastore.taskReportExecution({ taskId: running.id, executionId: 'exec-9', status: completed }),
    ).toBeUndefined();
    expect(
      await datastore.taskReportExecution({ taskId: running.id, executionId: 'exec-1', status: completed }),
    ).toBeDefined();
    await vi.advanceTimersByTimeAsync(1_500);
    expect((await datastore.taskList())[0]).toMatchObject({
      state: 'completed',
      result: 'from outside',
      nodeId: 'a',
      attempt: 1,
    });
    expect(errors.filter((e) => e.message !== 'network unreachable')).toEqual([]);
    await stopUnderFakeTime(b.node);
    await stopUnderFakeTime(a.node);
  });

  it('a report stored while no node held the task is committed by the adopter', async () => {
    const fw = fakeFramework('message', false);
    const { datastore, a, b, cutA, errors } = await twoNodes(fw.executor);
    cutA();
    const [running] = await datastore.taskList();
    await datastore.taskReportExecution({
      taskId: running?.id ?? '',
      executionId: 'exec-1',
      status: { state: 'failed', error: 'bad input', retryable: false },
    });
    await vi.advanceTimersByTimeAsync(5_000);
    expect((await datastore.taskList())[0]).toMatchObject({
      state: 'failed',
      error: 'bad input',
      nodeId: 'b',
      attempt: 1,
    });
    expect(fw.states.size).toBe(1);
    expect(errors.filter((e) => e.message !== 'network unreachable')).toEqual([]);
    await stopUnderFakeTime(b.node);
    await stopUnderFakeTime(a.node);
  });
});

describe('a node cut off from the store past its lease', () => {
  it('stops watching without cancelling the execution, and adopts it again once back (the only node with the executor)', async () => {
    const fw = fakeFramework('poll', true);
    const datastore = new MemoryDatastore();
    let cut = false;
    const events = createEventBus();
    const lost: string[] = [];
    const adopted: string[] = [];
    events.on('leaseLost', (id) => lost.push(id));
    events.on('taskAdopted', (t) => adopted.push(t.id));
    const errors: Error[] = [];
    events.on('generalError', (e) => errors.push(e));
    const node = new RookeryNode({
      datastore: partition(datastore, () => cut),
      events,
      executors: [fw.executor],
      pool: new WorkerPool({ concurrency: 2 }),
      leaseMs: 3_000,
      pollWaitsMs: [100],
    });
    await node.start();
    await new RookeryClient({ datastore, builtInExecutors: ['external'] }).createSchedule({
      name: 'ext',
      executor: 'external',
      trigger: { kind: 'once', at: Date.now() + 10 },
    });
    await vi.advanceTimersByTimeAsync(1_000);
    const [task] = await datastore.taskList();
    expect(task).toMatchObject({ state: 'running', executionId: 'exec-1' });
    cut = true;
    await vi.advanceTimersByTimeAsync(4_000);
    expect(lost).toEqual([task?.id]);
    expect(fw.cancelled).toEqual([]);
    cut = false;
    await vi.advanceTimersByTimeAsync(2_000);
    expect(adopted).toEqual([task?.id]);
    fw.states.set('exec-1', { state: 'completed', result: 'done' });
    await vi.advanceTimersByTimeAsync(500);
    expect((await datastore.taskList())[0]).toMatchObject({
      state: 'completed',
      result: 'done',
      attempt: 1,
      fence: (task?.fence ?? 0) + 1,
    });
    expect(fw.states.size).toBe(1);
    // the only errors were the cut-off store's
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.message === 'network unreachable')).toBe(true);
    await stopUnderFakeTime(node);
  });
});

describe('an execution whose id cannot be recorded', () => {
  it('is cancelled when the lease was lost before its id was stored: no other node could ever watch it', async () => {
    const fw = fakeFramework('poll', true);
    const datastore = new MemoryDatastore();
    // Another node repairs the task at the worst moment: after start() returned, before the id is stored.
    const racing = new Proxy(datastore, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (prop !== 'taskSetExecution' || typeof value !== 'function')
          return typeof value === 'function' ? value.bind(target) : value;
        return async (params: Parameters<Datastore['taskSetExecution']>[0]) => {
          await target.taskRepairExpired({ nodeId: 'other', limit: 10, maxRepairs: 5, now: Date.now() + 60_000 });
          return target.taskSetExecution(params);
        };
      },
    });
    const events = createEventBus();
    const lost: string[] = [];
    events.on('leaseLost', (id) => lost.push(id));
    const errors: Error[] = [];
    events.on('generalError', (e) => errors.push(e));
    const node = new RookeryNode({
      datastore: racing,
      events,
      executors: [fw.executor],
      pool: new WorkerPool({ concurrency: 1 }),
      leaseMs: 3_000,
      pollWaitsMs: [100],
    });
    await node.start();
    await new RookeryClient({ datastore, builtInExecutors: ['external'] }).createSchedule({
      name: 'ext',
      executor: 'external',
      trigger: { kind: 'once', at: Date.now() + 10 },
    });
    await vi.advanceTimersByTimeAsync(300);
    const [task] = await datastore.taskList();
    expect(lost).toContain(task?.id);
    expect(fw.cancelled).toContain('exec-1');
    expect(errors).toEqual([]);
    await stopUnderFakeTime(node);
  });
});

describe('a node stopping gracefully', () => {
  it('hands its external execution over instead of cancelling it: another node adopts it at once', async () => {
    const fw = fakeFramework('poll', true);
    const datastore = new MemoryDatastore();
    const start = async (id: string) => {
      const events = createEventBus();
      const seen: string[] = [];
      for (const name of ['taskReleased', 'taskAdopted', 'generalError'] as const)
        events.on(name, () => seen.push(name));
      const node = new RookeryNode({
        datastore,
        events,
        executors: [fw.executor],
        pool: new WorkerPool({ concurrency: 2 }),
        leaseMs: 3_000,
        pollWaitsMs: [100],
        id,
      });
      await node.start();
      return { node, seen };
    };
    const a = await start('a');
    await new RookeryClient({ datastore, builtInExecutors: ['external'] }).createSchedule({
      name: 'ext',
      executor: 'external',
      trigger: { kind: 'once', at: Date.now() + 10 },
    });
    await vi.advanceTimersByTimeAsync(1_000);
    const b = await start('b');
    await stopUnderFakeTime(a.node, 500);
    expect(a.seen).toEqual(['taskReleased']);
    expect(fw.cancelled).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(b.seen).toEqual(['taskAdopted']);
    fw.states.set('exec-1', { state: 'completed', result: 'finished elsewhere' });
    await vi.advanceTimersByTimeAsync(500);
    expect((await datastore.taskList())[0]).toMatchObject({
      state: 'completed',
      result: 'finished elsewhere',
      attempt: 1,
      nodeId: 'b',
    });
    expect(fw.states.size).toBe(1);
    await stopUnderFakeTime(b.node);
  });
});
