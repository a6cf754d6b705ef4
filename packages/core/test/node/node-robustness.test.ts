import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestEventBus as createEventBus, TestWorkerPool as WorkerPool } from '../../src/testing/index.js';
import {
  createStrategyRegistry,
  RookeryNode,
  StrategyRegistry,
  type Datastore,
  type Executor,
  type TaskClaimDueResult,
} from '../../src/index.js';
import { memoryCluster, partition, startTestNode, stopUnderFakeTime, useFakeTime } from './harness.js';

beforeEach(() => useFakeTime());
afterEach(() => vi.useRealTimers());

const hold = (ms: number) => (ctx: { signal: AbortSignal }) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    ctx.signal.addEventListener('abort', () => (clearTimeout(t), reject(ctx.signal.reason)));
  });

describe('a node survives what it cannot decide or commit', () => {
  it('fails the task (and reports it) when the node lacks the retry strategy the schedule names', async () => {
    const { datastore, client } = memoryCluster();
    const lacking = new StrategyRegistry();
    lacking.register('misfire', 'run-once', createStrategyRegistry().get('misfire', 'run-once'));
    const { node, errors } = await startTestNode(
      datastore,
      {
        fail: async () => {
          throw new Error('boom');
        },
      },
      { strategies: lacking },
    );
    await client.createSchedule({
      name: 'x',
      executor: 'fail',
      trigger: { kind: 'once', at: Date.now() + 10 },
      policies: { retry: { kind: 'fixed', maxAttempts: 3 } },
    });
    await vi.advanceTimersByTimeAsync(1_000);
    const [task] = await datastore.taskList();
    expect(task).toMatchObject({ state: 'failed' });
    expect(task?.error).toMatch(/boom; deciding the outcome failed: .*no retry strategy 'fixed'/);
    expect(errors.some((e) => /no retry strategy 'fixed'/.test(e.message))).toBe(true);
    expect(node.runningCount).toBe(0);
    await stopUnderFakeTime(node);
  });

  it('gives an attempt up to repair after five failed commits, and still stops', async () => {
    const { datastore, client } = memoryCluster();
    let refuse = false;
    const refusing = new Proxy(datastore, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (prop === 'taskFinishMany' && typeof value === 'function') {
          return (...args: unknown[]) =>
            refuse
              ? Promise.reject(new Error('value too long'))
              : (value as (...a: unknown[]) => unknown).apply(target, args);
        }
        return value;
      },
    }) as Datastore;
    // the longest backoffs between commits (random near 1), so the lease outlives the five tries
    const { node, events, errors } = await startTestNode(refusing, { slow: hold(500) }, { random: () => 0.999 });
    const lost: string[] = [];
    events.on('leaseLost', (id) => lost.push(id));
    await client.createSchedule({ name: 'x', executor: 'slow', trigger: { kind: 'once', at: Date.now() + 10 } });
    refuse = true;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(errors.filter((e) => e.message === 'value too long')).toHaveLength(5);
    expect(lost).toHaveLength(1);
    expect(node.runningCount).toBe(0);
    refuse = false;
    await vi.advanceTimersByTimeAsync(8_000);
    const [task] = await datastore.taskList();
    expect(task).toMatchObject({ state: 'completed', attempt: 2 });
    await stopUnderFakeTime(node);
  });

  it('does not wait for an executor that ignores its abort signal', async () => {
    const { datastore, client } = memoryCluster();
    const deaf: Executor = { name: 'deaf', start: () => new Promise(() => undefined) };
    const node = new RookeryNode({
      datastore,
      events: createEventBus(),
      executors: [deaf],
      pool: new WorkerPool({ concurrency: 2 }),
      leaseMs: 3_000,
      pollWaitsMs: [100],
    });
    await node.start();
    await client.createSchedule(
      { name: 'x', executor: 'deaf', trigger: { kind: 'once', at: Date.now() + 10 } },
      { force: true },
    );
    await vi.advanceTimersByTimeAsync(500);
    expect(node.runningCount).toBe(1);
    await stopUnderFakeTime(node, 1_000);
    expect(node.isRunning).toBe(false);
    expect((await datastore.taskList())[0]).toMatchObject({
      state: 'pending',
      reason: expect.stringMatching(/handed back/),
    });
  });
});

describe('dispatch honours per-executor limits', () => {
  it('claims no more tasks of a limited executor than its free slots: nothing is handed back', async () => {
    const { datastore, client } = memoryCluster();
    const events = createEventBus();
    const released: string[] = [];
    events.on('taskReleased', (t) => released.push(t.id));
    let live = 0;
    let maxLive = 0;
    const slow: Executor = {
      name: 'slow',
      start: async (ctx) => {
        live += 1;
        maxLive = Math.max(maxLive, live);
        await hold(1_000)(ctx);
        live -= 1;
        return { kind: 'done', result: null };
      },
    };
    const node = new RookeryNode({
      datastore,
      events,
      executors: [slow],
      pool: new WorkerPool({ concurrency: 10, perExecutor: { slow: 1 } }),
      leaseMs: 3_000,
      pollWaitsMs: [100],
    });
    await node.start();
    for (let i = 0; i < 4; i += 1)
      await client.createSchedule({ name: `x${i}`, executor: 'slow', trigger: { kind: 'once', at: Date.now() + 10 } });
    await vi.advanceTimersByTimeAsync(6_000);
    await stopUnderFakeTime(node);
    expect(maxLive).toBe(1);
    expect(released).toEqual([]);
    expect((await datastore.taskList()).every((t) => t.state === 'completed' && t.attempt === 1)).toBe(true);
  });
});

describe('start and stop are idempotent and safe together', () => {
  it('shares one start between concurrent calls, and one stop', async () => {
    const { datastore } = memoryCluster();
    const events = createEventBus();
    const joined: string[] = [];
    const left: string[] = [];
    events.on('nodeJoined', (n) => joined.push(n.id));
    events.on('nodeLeft', (id) => left.push(id));
    const node = new RookeryNode({
      datastore,
      events,
      executors: [],
      pool: new WorkerPool({ concurrency: 1 }),
      id: 'n',
    });
    await Promise.all([node.start(), node.start()]);
    expect(joined).toEqual(['n']);
    const stops = Promise.all([node.stop({ graceMs: 0 }), node.stop({ graceMs: 0 })]);
    await vi.advanceTimersByTimeAsync(2_000);
    await stops;
    expect(left).toEqual(['n']);
    await expect(node.start()).rejects.toMatchObject({ code: 'STOPPED' });
    expect(node.isRunning).toBe(false);
  });

  it('a stop during start leaves the node stopped', async () => {
    const { datastore } = memoryCluster();
    const node = new RookeryNode({
      datastore,
      events: createEventBus(),
      executors: [],
      pool: new WorkerPool({ concurrency: 1 }),
    });
    const starting = node.start();
    const stopping = node.stop({ graceMs: 0 });
    await vi.advanceTimersByTimeAsync(2_000);
    await Promise.all([starting, stopping]);
    expect(node.isRunning).toBe(false);
  });
});

describe('a claim answered after its trust window', () => {
  it('is never started: the node hands the task back on the lease it still holds, and the task runs once', async () => {
    const { datastore, client } = memoryCluster();
    let held = false;
    // The first claim that starts a task is answered 2.9 s late (lease 3 s, trust window 2.4 s):
    // the node stalled between sending the claim and reading the answer.
    const late = new Proxy(datastore, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (prop !== 'taskClaimDue' || typeof value !== 'function') return value;
        return async (...args: unknown[]): Promise<TaskClaimDueResult> => {
          const answer = await (value as (...a: unknown[]) => Promise<TaskClaimDueResult>).apply(target, args);
          if (!held && answer.started.length > 0) {
            held = true;
            await new Promise((resolve) => setTimeout(resolve, 2_900));
          }
          return answer;
        };
      },
    }) as Datastore;
    const attempts: number[] = [];
    const { node, events } = await startTestNode(late, { noop: async (ctx) => void attempts.push(ctx.task.attempt) });
    const lost: number[] = [];
    events.on('leaseLost', (_id, fence) => lost.push(fence));
    await client.createSchedule({ name: 'x', executor: 'noop', trigger: { kind: 'once', at: Date.now() + 10 } });
    await vi.advanceTimersByTimeAsync(10_000);
    await stopUnderFakeTime(node);
    expect(lost).toEqual([1]);
    expect(attempts).toEqual([2]);
    const [task] = await datastore.taskList();
    expect(task).toMatchObject({ state: 'completed', attempt: 2 });
    // answered 2.9 s late, inside the 3 s lease: handed back at once, not left to expire and be repaired
    expect((await datastore.taskEvents(task!.id)).find((e) => e.from === 'running' && e.fence === 1)).toMatchObject({
      to: 'pending',
      reason: `handed back by node ${node.id}: claim answered after its trust window`,
    });
  });
});

describe('repair', () => {
  it('a node stopping gracefully takes back the tasks whose lease expired: the last node to stop leaves none leased', async () => {
    const { datastore, client } = memoryCluster();
    // A node that took a task, then went silent (cut off for good) without handing it back.
    let cut = false;
    const silent = partition(datastore, () => cut);
    const { node: gone } = await startTestNode(silent, { hang: () => new Promise<void>(() => undefined) });
    await client.createSchedule({ name: 'x', executor: 'hang', trigger: { kind: 'once', at: Date.now() + 10 } });
    await vi.advanceTimersByTimeAsync(500);
    const [task] = await datastore.taskList();
    expect(task).toMatchObject({ state: 'running' });
    cut = true;
    // Another node, whose periodic repair would come too late, stops after the lease expired.
    const { node } = await startTestNode(datastore, { other: async () => undefined }, { repairEveryMs: 600_000 });
    await vi.advanceTimersByTimeAsync(4_000);
    expect((await datastore.taskGet(task!.id))?.state).toBe('running');
    await stopUnderFakeTime(node);
    expect(await datastore.taskGet(task!.id)).toMatchObject({ state: 'pending', fence: 2 });
    cut = false;
    await stopUnderFakeTime(gone);
  });

  it('follows a pass that repaired something with another at once, so a task the first skipped is not left a whole interval', async () => {
    const { datastore } = memoryCluster();
    // Each pass hands back one task (as if the claim of the pass had skipped a row another
    // transaction held), three times, then nothing.
    let repairable = 3;
    const passes: number[] = [];
    const skipping = new Proxy(datastore, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (prop !== 'taskRepairExpired' || typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          passes.push(Date.now());
          const found = await (value as (...a: unknown[]) => Promise<unknown[]>).apply(target, args);
          if (repairable <= 0) return found;
          repairable -= 1;
          return [{ task: { id: `t${repairable}` }, previousOwner: 'gone' }];
        };
      },
    }) as Datastore;
    const { node, events } = await startTestNode(skipping, {}, { repairEveryMs: 1_000 });
    const finished: number[] = [];
    events.on('repairFinished', (_id, tasks) => finished.push(tasks.length));
    await vi.advanceTimersByTimeAsync(2_500);
    await stopUnderFakeTime(node);
    // The first interval's passes: three that each found one, then the one that found none,
    // all at the same instant; the next interval's single pass found nothing.
    expect(finished.slice(0, 2)).toEqual([3, 0]);
    expect(passes.filter((at) => at === passes[0])).toHaveLength(4);
  });
});
