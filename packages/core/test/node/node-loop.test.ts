import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryDatastore, RookeryClient, type Datastore } from '../../src/index.js';
import { memoryCluster, memoryWakeBus, partition, startTestNode, stopUnderFakeTime, useFakeTime } from './harness.js';

beforeEach(() => useFakeTime());
afterEach(() => vi.useRealTimers());

describe('node loop on the memory store, clock injected', () => {
  it('runs every fire time of an interval schedule exactly once', async () => {
    const { datastore, client } = memoryCluster();
    const runs: number[] = [];
    const { node, errors } = await startTestNode(datastore, { noop: async (ctx) => void runs.push(ctx.task.fireAt) });
    const s = await client.createSchedule({
      name: 'tick',
      executor: 'noop',
      trigger: { kind: 'interval', everyMs: 1_000 },
    });
    await vi.advanceTimersByTimeAsync(10_500);
    await stopUnderFakeTime(node);
    const tasks = await datastore.taskList({ scheduleId: s.id, limit: 1000 });
    const fireTimes = tasks.map((t) => t.fireAt).sort((a, b) => a - b);
    expect(new Set(runs).size).toBe(runs.length);
    expect(runs.length).toBeGreaterThanOrEqual(10);
    for (let i = 1; i < fireTimes.length; i += 1) expect((fireTimes[i] ?? 0) - (fireTimes[i - 1] ?? 0)).toBe(1_000);
    expect(tasks.filter((t) => t.state === 'completed').length).toBe(runs.length);
    expect(errors).toEqual([]);
  });

  it('sends the commits of the attempts that ended with its next claim, one call for both', async () => {
    const { datastore, client } = memoryCluster();
    const calls: { method: string; finishes: number }[] = [];
    const counting = new Proxy(datastore, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          const [params] = args as [{ finishes?: unknown[] } | undefined];
          if (prop === 'taskFinishMany' || prop === 'taskFinishAndClaim')
            calls.push({ method: prop, finishes: params?.finishes?.length ?? 0 });
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as Datastore;
    const { node, errors } = await startTestNode(
      counting,
      { noop: async () => new Promise((resolve) => setTimeout(resolve, 10)) },
      { concurrency: 4 },
    );
    for (let i = 0; i < 12; i += 1)
      await client.createSchedule({
        name: `job-${i}`,
        executor: 'noop',
        trigger: { kind: 'once', at: Date.now() + 10 },
      });
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await datastore.taskList()).map((t) => t.state)).toEqual(Array.from({ length: 12 }, () => 'completed'));
    // every commit rode on a claim: twelve commits, no finish call of their own
    expect(calls.filter((c) => c.method === 'taskFinishMany')).toEqual([]);
    expect(calls.reduce((n, c) => n + c.finishes, 0)).toBe(12);
    expect(errors).toEqual([]);
    await stopUnderFakeTime(node);
  });

  describe('claims no more than once per claimPaceMs while short tasks fall due one by one, each started within the pace', () => {
    const claimsWith = async (
      claimPaceMs: number,
      submit: (client: RookeryClient, dueTimes: number[]) => Promise<unknown>,
    ) => {
      const datastore = new MemoryDatastore();
      const bus = memoryWakeBus();
      const client = new RookeryClient({ datastore, wakeSignals: bus.signals(), builtInExecutors: ['noop'] });
      const claimTimes: number[] = [];
      const counting = new Proxy(datastore, {
        get(target, prop, receiver) {
          const value: unknown = Reflect.get(target, prop, receiver);
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            if (prop === 'taskClaimDue' || prop === 'taskFinishAndClaim') claimTimes.push(Date.now());
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      }) as Datastore;
      const starts: number[] = [];
      const { node, errors } = await startTestNode(
        counting,
        {
          noop: async (ctx) => {
            starts.push(Date.now() - ctx.task.fireAt);
            await new Promise((resolve) => setTimeout(resolve, 1));
          },
        },
        { claimPaceMs, pollWaitsMs: [1_000], wakeSignals: bus.signals() },
      );
      await vi.advanceTimersByTimeAsync(2_000);
      // one task due every 2 ms over 200 ms
      const t0 = Date.now() + 1_000;
      await submit(
        client,
        Array.from({ length: 100 }, (_, i) => t0 + 2 * i),
      );
      await vi.advanceTimersByTimeAsync(1_300);
      expect((await datastore.taskList({ limit: 200 })).filter((t) => t.state === 'completed')).toHaveLength(100);
      expect(errors).toEqual([]);
      // the claims from the first due time on (those before are the polls, and the peel's)
      const claims = claimTimes.filter((at) => at >= t0).length;
      await stopUnderFakeTime(node);
      return { claims, latest: Math.max(...starts) };
    };
    // 100 tasks over 200 ms: a claim each 10 ms (and the first), each carrying the commits of the tasks ended since

    it('jobs: the call announces the first, the node finds the rest by claiming', async () => {
      const paced = await claimsWith(10, (client, dueTimes) =>
        client.enqueueMany(dueTimes.map((runAt) => ({ executor: 'noop', runAt }))),
      );
      expect(paced.latest).toBeLessThanOrEqual(11);
      expect(paced.claims).toBeLessThanOrEqual(25);
    });

    it('once schedules: the node peels them ahead and knows every due time, yet claims at the pace', async () => {
      const paced = await claimsWith(10, (client, dueTimes) =>
        client.createSchedules(
          dueTimes.map((at, i) => ({ name: `once-${i}`, executor: 'noop', trigger: { kind: 'once', at } })),
        ),
      );
      expect(paced.latest).toBeLessThanOrEqual(11);
      expect(paced.claims).toBeLessThanOrEqual(25);
    });
  });

  it('retries a failing task with its backoff, then fails it for good', async () => {
    const { datastore, client } = memoryCluster();
    const attempts: number[] = [];
    const { node, events } = await startTestNode(datastore, {
      fail: async (ctx) => {
        attempts.push(Date.now());
        throw new Error(`boom ${ctx.task.attempt}`);
      },
    });
    const retried: string[] = [];
    events.on('taskRetried', (_t, e) => retried.push(e));
    await client.createSchedule({
      name: 'flaky',
      executor: 'fail',
      trigger: { kind: 'once', at: Date.now() + 100 },
      policies: { retry: { kind: 'exponential', maxAttempts: 3, delayMs: 1_000, factor: 2 } },
    });
    await vi.advanceTimersByTimeAsync(10_000);
    await stopUnderFakeTime(node);
    const [task] = await datastore.taskList();
    expect(task?.state).toBe('failed');
    expect(task?.attempt).toBe(3);
    expect(task?.failures).toBe(3);
    expect(task?.error).toBe('boom 3');
    expect(retried).toEqual(['boom 1', 'boom 2']);
    const gaps = attempts.slice(1).map((t, i) => t - (attempts[i] ?? 0));
    expect(gaps[0]).toBeGreaterThanOrEqual(1_000);
    expect(gaps[1]).toBeGreaterThanOrEqual(2_000);
  });

  it('never overlaps runs of a duplicate-skip schedule and records the skipped ones', async () => {
    const { datastore, client } = memoryCluster();
    let live = 0;
    let maxLive = 0;
    const { node } = await startTestNode(datastore, {
      slow: async () => {
        live += 1;
        maxLive = Math.max(maxLive, live);
        await new Promise((r) => setTimeout(r, 2_500));
        live -= 1;
      },
    });
    const s = await client.createSchedule({
      name: 'exclusive',
      executor: 'slow',
      trigger: { kind: 'interval', everyMs: 1_000 },
      policies: { duplicate: 'skip' },
    });
    await vi.advanceTimersByTimeAsync(12_000);
    await stopUnderFakeTime(node);
    const tasks = await datastore.taskList({ scheduleId: s.id, limit: 100 });
    expect(maxLive).toBe(1);
    expect(tasks.filter((t) => t.state === 'skipped').length).toBeGreaterThan(3);
    expect(tasks.filter((t) => t.state === 'completed').length).toBeGreaterThan(2);
  });

  it('aborts an attempt at its timeout and records the failure', async () => {
    const { datastore, client } = memoryCluster();
    const { node, events } = await startTestNode(datastore, {
      slow: (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
    });
    const timedOut: string[] = [];
    events.on('taskTimedOut', (t) => timedOut.push(t.id));
    await client.createSchedule({
      name: 'hang',
      executor: 'slow',
      trigger: { kind: 'once', at: Date.now() + 10 },
      policies: { timeoutMs: 500 },
    });
    await vi.advanceTimersByTimeAsync(3_000);
    await stopUnderFakeTime(node);
    const [task] = await datastore.taskList();
    expect(task?.state).toBe('failed');
    expect(task?.error).toMatch(/timed out after 500 ms/);
    expect(timedOut).toEqual([task?.id]);
  });

  it('reports a lost database through generalError, keeps running, and resumes when it returns', async () => {
    const { datastore, client } = memoryCluster();
    let down = false;
    const flaky = partition(datastore, () => down, 'connection refused');
    const runs: number[] = [];
    const { node, errors } = await startTestNode(flaky, { noop: async (ctx) => void runs.push(ctx.task.fireAt) });
    await client.createSchedule({ name: 'tick', executor: 'noop', trigger: { kind: 'interval', everyMs: 1_000 } });
    await vi.advanceTimersByTimeAsync(3_000);
    const before = runs.length;
    down = true;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]?.message).toBe('connection refused');
    expect(node.isRunning).toBe(true);
    down = false;
    await vi.advanceTimersByTimeAsync(3_000);
    await stopUnderFakeTime(node);
    expect(before).toBeGreaterThan(1);
    expect(runs.length).toBeGreaterThan(before + 2);
  });
});

describe('failover between nodes', () => {
  it('repairs the task of a node cut off from the database; the cut-off node commits nothing', async () => {
    const { datastore, client } = memoryCluster();
    let cutOff = false;
    const partitioned = partition(datastore, () => cutOff);
    const ran: string[] = [];
    const work = (who: string) => async (ctx: { signal: AbortSignal }) => {
      ran.push(who);
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, 5_000);
        ctx.signal.addEventListener('abort', () => (clearTimeout(t), reject(ctx.signal.reason)));
      });
    };
    const a = await startTestNode(partitioned, { slow: work('a') }, { id: 'a' });
    await client.createSchedule({ name: 'job', executor: 'slow', trigger: { kind: 'once', at: Date.now() + 10 } });
    await vi.advanceTimersByTimeAsync(500);
    expect(ran).toEqual(['a']);
    const lost: string[] = [];
    a.events.on('leaseLost', (id) => lost.push(id));
    cutOff = true;
    const b = await startTestNode(datastore, { slow: work('b') }, { id: 'b' });
    await vi.advanceTimersByTimeAsync(10_000);
    await b.node.stop();
    cutOff = false;
    await a.node.stop({ graceMs: 0 });
    const [task] = await datastore.taskList();
    expect(ran).toEqual(['a', 'b']);
    expect(lost.length).toBe(1);
    expect(task?.state).toBe('completed');
    expect(task?.nodeId).toBe('b');
    expect(task?.attempt).toBe(2);
    const events = await datastore.taskEvents(task?.id ?? '');
    expect(events.map((e) => e.to)).toEqual(['pending', 'running', 'pending', 'running', 'completed']);
  });

  it('abandons an at-most-once attempt on a graceful stop: it is never started again', async () => {
    const { datastore, client } = memoryCluster();
    const runs: string[] = [];
    const hold = (who: string) => (ctx: { signal: AbortSignal }) =>
      new Promise<void>((resolve, reject) => {
        runs.push(who);
        const t = setTimeout(resolve, 4_000);
        ctx.signal.addEventListener('abort', () => (clearTimeout(t), reject(ctx.signal.reason)));
      });
    const a = await startTestNode(datastore, { slow: hold('a') }, { id: 'a' });
    await client.createSchedule({
      name: 'once-only',
      executor: 'slow',
      trigger: { kind: 'once', at: Date.now() + 10 },
      policies: { delivery: 'at-most-once' },
    });
    await vi.advanceTimersByTimeAsync(300);
    await stopUnderFakeTime(a.node, 500);
    const b = await startTestNode(datastore, { slow: hold('b') }, { id: 'b' });
    await vi.advanceTimersByTimeAsync(6_000);
    await stopUnderFakeTime(b.node);
    const [task] = await datastore.taskList();
    expect(task?.state).toBe('abandoned');
    expect(runs).toEqual(['a']);
  });

  it('hands running tasks back on a graceful stop, and another node finishes them', async () => {
    const { datastore, client } = memoryCluster();
    const hold = (ctx: { signal: AbortSignal }) =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, 4_000);
        ctx.signal.addEventListener('abort', () => (clearTimeout(t), reject(ctx.signal.reason)));
      });
    const a = await startTestNode(datastore, { slow: hold }, { id: 'a' });
    await client.createSchedule({ name: 'job', executor: 'slow', trigger: { kind: 'once', at: Date.now() + 10 } });
    await vi.advanceTimersByTimeAsync(300);
    const stopping = a.node.stop({ graceMs: 1_000 });
    await vi.advanceTimersByTimeAsync(1_500);
    await stopping;
    const [handed] = await datastore.taskList();
    expect(handed?.state).toBe('pending');
    expect(handed?.failures).toBe(0);
    const b = await startTestNode(datastore, { slow: hold }, { id: 'b' });
    await vi.advanceTimersByTimeAsync(6_000);
    await b.node.stop();
    const [task] = await datastore.taskList();
    expect(task?.state).toBe('completed');
    expect(task?.nodeId).toBe('b');
  });
});
