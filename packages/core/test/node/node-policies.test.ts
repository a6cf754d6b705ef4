import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PermanentError as PermanentErrorOfDist } from '@rookery/core';
import { PermanentError, offsetClock, systemClock, type MisfirePolicyName, type TaskState } from '../../src/index.js';
import { memoryCluster, partition, startTestNode, stopUnderFakeTime, useFakeTime } from './harness.js';

const SEC = 1_000;
const MIN = 60_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');

beforeEach(() => useFakeTime(T0));
afterEach(() => vi.useRealTimers());

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

describe('misfire after a full-cluster outage (per-minute schedule, 10 minutes with no node)', () => {
  async function outage(misfire: MisfirePolicyName, misfireMaxRuns = 10) {
    const { datastore, client } = memoryCluster();
    const s = await client.createSchedule({
      name: `outage-${misfire}`,
      executor: 'noop',
      trigger: { kind: 'interval', everyMs: MIN },
      policies: { misfire, misfireMaxRuns, misfireGraceMs: 5 * SEC },
    });
    await vi.advanceTimersByTimeAsync(10 * MIN + 30 * SEC); // fire times T0 .. T0+10m all misfired
    const runs: number[] = [];
    const started = await startTestNode(datastore, {
      noop: async (ctx) => void runs.push((ctx.task.fireAt - T0) / MIN),
    });
    await vi.advanceTimersByTimeAsync(5 * SEC);
    const states = async () => {
      const tasks = await datastore.taskList({ scheduleId: s.id, limit: 1_000 });
      return Object.fromEntries(tasks.map((t) => [(t.fireAt - T0) / MIN, t.state])) as Record<number, TaskState>;
    };
    return { ...started, runs, states };
  }
  const minutes = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const stateMap = (entries: [number[], TaskState][]) =>
    Object.fromEntries(entries.flatMap(([ks, st]) => ks.map((k) => [k, st])));

  it('run-once: exactly one run, every other fire time coalesced', async () => {
    const { node, runs, states, errors } = await outage('run-once');
    expect(runs).toEqual([10]);
    expect(await states()).toEqual(
      stateMap([
        [minutes(0, 9), 'coalesced'],
        [[10], 'completed'],
      ]),
    );
    await stopUnderFakeTime(node);
    expect(errors).toEqual([]);
  });

  it('skip: all missed, and the next on-time fire time runs', async () => {
    const { node, runs, states } = await outage('skip');
    expect(runs).toEqual([]);
    expect(await states()).toEqual(stateMap([[minutes(0, 10), 'missed']]));
    await vi.advanceTimersByTimeAsync(30 * SEC); // T0 + 11 min
    expect(runs).toEqual([11]);
    expect((await states())[11]).toBe('completed');
    await stopUnderFakeTime(node);
  });

  it('run-all, max 3: the 3 latest run, the older ones are missed', async () => {
    const { node, runs, states } = await outage('run-all', 3);
    expect(runs).toEqual([8, 9, 10]);
    expect(await states()).toEqual(
      stateMap([
        [minutes(0, 7), 'missed'],
        [[8, 9, 10], 'completed'],
      ]),
    );
    await stopUnderFakeTime(node);
  });
});

describe('trigger after-run and task creation on-end', () => {
  it('after-run: runs one after another, the delay counted from the end of one to the next fire time', async () => {
    const { datastore, client } = memoryCluster();
    const spans: { fireAt: number; start: number; end: number }[] = [];
    const { node } = await startTestNode(datastore, {
      slow: async (ctx) => {
        const start = Date.now();
        await sleep(1_000);
        spans.push({ fireAt: ctx.task.fireAt, start, end: Date.now() });
      },
    });
    await client.createSchedule({ name: 'chain', executor: 'slow', trigger: { kind: 'after-run', delayMs: 2_000 } });
    await vi.advanceTimersByTimeAsync(15 * SEC);
    await stopUnderFakeTime(node);
    expect(spans.length).toBeGreaterThanOrEqual(4);
    expect(spans[0]?.fireAt).toBe(T0);
    for (let i = 1; i < spans.length; i += 1) {
      const prev = spans[i - 1]!;
      const cur = spans[i]!;
      expect(cur.fireAt).toBe(prev.end + 2_000);
      expect(cur.start - cur.fireAt).toBeLessThan(50);
    }
  });

  it('on-end: never two pending or running tasks of the schedule at once', async () => {
    const { datastore, client } = memoryCluster();
    const fired: number[] = [];
    const { node } = await startTestNode(datastore, {
      slow: async (ctx) => (fired.push(ctx.task.fireAt), sleep(2_500)),
    });
    const s = await client.createSchedule({
      name: 'gated',
      executor: 'slow',
      trigger: { kind: 'interval', everyMs: SEC },
      policies: { taskCreation: 'on-end' },
    });
    let maxLive = 0;
    for (let i = 0; i < 150; i += 1) {
      await vi.advanceTimersByTimeAsync(100);
      const live = await datastore.taskList({ scheduleId: s.id, states: ['pending', 'running'] });
      maxLive = Math.max(maxLive, live.length);
    }
    await stopUnderFakeTime(node);
    expect(maxLive).toBe(1);
    expect(fired.length).toBeGreaterThanOrEqual(5);
    expect(fired).toEqual([...fired].sort((a, b) => a - b));
    expect(new Set(fired).size).toBe(fired.length);
  });
});

describe('delivery, cancel, permanent errors', () => {
  it('at-most-once: the task of a cut-off node ends abandoned and never runs again', async () => {
    const { datastore, client } = memoryCluster();
    let cutOff = false;
    const ran: string[] = [];
    const work = (who: string) => async (ctx: { signal: AbortSignal }) =>
      void (ran.push(who), await sleep(5_000, ctx.signal));
    const a = await startTestNode(
      partition(datastore, () => cutOff),
      { slow: work('a') },
      { id: 'a' },
    );
    await client.createSchedule({
      name: 'once-only',
      executor: 'slow',
      trigger: { kind: 'once', at: Date.now() + 10 },
      policies: { delivery: 'at-most-once' },
    });
    await vi.advanceTimersByTimeAsync(500);
    expect(ran).toEqual(['a']);
    const lost: string[] = [];
    a.events.on('leaseLost', (id) => lost.push(id));
    cutOff = true;
    const b = await startTestNode(datastore, { slow: work('b') }, { id: 'b' });
    await vi.advanceTimersByTimeAsync(10 * SEC);
    cutOff = false;
    await vi.advanceTimersByTimeAsync(5 * SEC);
    await stopUnderFakeTime(b.node);
    await a.node.stop({ graceMs: 0 });
    const [task] = await datastore.taskList();
    expect(ran).toEqual(['a']);
    expect(lost).toEqual([task?.id]);
    expect(task?.state).toBe('abandoned');
    expect(task?.attempt).toBe(1);
    expect((await datastore.taskEvents(task?.id ?? '')).map((e) => e.to)).toEqual(['pending', 'running', 'abandoned']);
  });

  it('cancel: a running task is aborted at its next renewal and ends cancelled', async () => {
    const { datastore, client } = memoryCluster();
    const aborted: unknown[] = [];
    const { node, events } = await startTestNode(datastore, {
      slow: async (ctx) => {
        ctx.signal.addEventListener('abort', () => aborted.push(ctx.signal.reason));
        await sleep(30_000, ctx.signal);
      },
    });
    const cancelled: string[] = [];
    events.on('taskCancelled', (t) => cancelled.push(t.id));
    await client.createSchedule({
      name: 'long',
      executor: 'slow',
      trigger: { kind: 'once', at: Date.now() + 10 },
      policies: { retry: { kind: 'fixed', maxAttempts: 3 } },
    });
    await vi.advanceTimersByTimeAsync(300);
    const [running] = await datastore.taskList({ states: ['running'] });
    expect(running).toBeDefined();
    const asked = Date.now();
    await datastore.taskRequestCancel({ taskId: running!.id, reason: 'user asked' });
    await vi.advanceTimersByTimeAsync(node.timings.renewEveryMs + 100);
    const task = await datastore.taskGet(running!.id);
    expect(task?.state).toBe('cancelled');
    expect(task?.cancelRequested).toBe(true);
    expect((task?.endedAt ?? Infinity) - asked).toBeLessThanOrEqual(node.timings.renewEveryMs);
    expect(aborted).toHaveLength(1);
    expect(cancelled).toEqual([running!.id]);
    await vi.advanceTimersByTimeAsync(10 * SEC);
    await stopUnderFakeTime(node);
    expect((await datastore.taskGet(running!.id))?.attempt).toBe(1);
  });

  it.each([
    [
      'a PermanentError',
      1,
      () => {
        throw new PermanentError('account closed');
      },
    ],
    [
      'a PermanentError of another copy of core',
      1,
      () => {
        throw new PermanentErrorOfDist('account closed');
      },
    ],
    ['a non-JSON result (refused by the executor)', 1, () => new Date() as never],
    [
      'a plain Error (control)',
      4,
      () => {
        throw new Error('flaky');
      },
    ],
  ] as const)('%s: tried %i time(s) under a retry policy of 4 attempts', async (_what, attempts, fn) => {
    const { datastore, client } = memoryCluster();
    const { node, events } = await startTestNode(datastore, { fail: async () => fn() });
    const retried: string[] = [];
    events.on('taskRetried', (_t, e) => retried.push(e));
    await client.createSchedule({
      name: 'perm',
      executor: 'fail',
      trigger: { kind: 'once', at: Date.now() + 10 },
      policies: { retry: { kind: 'fixed', maxAttempts: 4, delayMs: 100 } },
    });
    await vi.advanceTimersByTimeAsync(5 * SEC);
    await stopUnderFakeTime(node);
    const [task] = await datastore.taskList();
    expect(task?.state).toBe('failed');
    expect(task?.attempt).toBe(attempts);
    expect(task?.failures).toBe(attempts);
    expect(retried).toHaveLength(attempts - 1);
  });
});

describe('node clock skew: the database clock decides', () => {
  it.each([5 * MIN, -5 * MIN])(
    'offset %i ms: reported by clockOffset, and every fire time runs exactly once, on time',
    async (skew) => {
      const { datastore, client } = memoryCluster();
      const runs: { fireAt: number; at: number }[] = [];
      const { node, events, errors } = await startTestNode(
        datastore,
        { noop: async (ctx) => void runs.push({ fireAt: ctx.task.fireAt, at: Date.now() }) },
        { clock: offsetClock(systemClock, () => skew) },
      );
      const offsets: number[] = [];
      events.on('clockOffset', (o) => offsets.push(o));
      const s = await client.createSchedule({
        name: 'skewed',
        executor: 'noop',
        trigger: { kind: 'interval', everyMs: SEC },
      });
      await vi.advanceTimersByTimeAsync(10_500);
      expect(offsets.length).toBeGreaterThanOrEqual(9);
      expect(new Set(offsets)).toEqual(new Set([skew]));
      expect((await datastore.nodeList())[0]?.clockOffsetMs).toBe(skew);
      await stopUnderFakeTime(node);
      const fireTimes = runs.map((r) => (r.fireAt - T0) / SEC);
      expect(fireTimes).toEqual(Array.from({ length: 11 }, (_, i) => i));
      for (const r of runs) {
        expect(r.at - r.fireAt).toBeGreaterThanOrEqual(0);
        expect(r.at - r.fireAt).toBeLessThan(150);
      }
      const tasks = await datastore.taskList({ scheduleId: s.id, limit: 100 });
      const completed = tasks.filter((t) => t.state === 'completed');
      expect(completed.map((t) => (t.fireAt - T0) / SEC).sort((a, b) => a - b)).toEqual(fireTimes);
      expect(completed.every((t) => t.attempt === 1)).toBe(true);
      expect(
        tasks.filter((t) => t.state !== 'completed').every((t) => t.state === 'pending' && t.fireAt > T0 + 10 * SEC),
      ).toBe(true);
      expect(errors).toEqual([]);
    },
  );
});
