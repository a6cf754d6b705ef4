import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryDatastore, RookeryClient } from '../../src/index.js';
import { memoryWakeBus, startTestNode, stopUnderFakeTime, useFakeTime } from './harness.js';

beforeEach(() => useFakeTime());
afterEach(() => vi.useRealTimers());

/** A poll wait far longer than the test: only a peel asked for by a released gate peels in time. */
const LONG_POLL_MS = 60_000;

/** Wake signals between the processes of one test (see `memoryWakeBus`). */
type WakeBus = ReturnType<typeof memoryWakeBus>;

/**
 * A node on a memory store running `noop` (which records its starts), with `options` and, given
 * a bus, wake signals on it; the instants of its peel queries; a client on the same store and bus.
 */
async function countedNode(options: { pollWaitsMs: number[]; lookaheadMs?: number }, bus?: WakeBus) {
  const datastore = new MemoryDatastore();
  const peels: number[] = [];
  const scheduleClaimDue = datastore.scheduleClaimDue.bind(datastore);
  datastore.scheduleClaimDue = (p) => {
    peels.push(Date.now());
    return scheduleClaimDue(p);
  };
  const starts: { fireAt: number; at: number }[] = [];
  const started = await startTestNode(
    datastore,
    { noop: async (ctx) => void starts.push({ fireAt: ctx.task.fireAt, at: Date.now() }) },
    bus ? { ...options, wakeSignals: bus.signals() } : options,
  );
  const client = new RookeryClient({ datastore, ...(bus ? { wakeSignals: bus.signals() } : {}) });
  return { ...started, datastore, client, peels, starts };
}

/** Milliseconds each start came after its fire time. */
const lateness = (starts: { fireAt: number; at: number }[]): number[] => starts.map((s) => s.at - s.fireAt);

describe('how often a node peels', () => {
  it('with wake signals, every quarter of the lookahead; without, every shortest poll wait; every fire time on time either way', async () => {
    const counts: Record<string, number> = {};
    for (const variant of ['wake signals', 'polling only'] as const) {
      const { node, client, peels, starts, errors } = await countedNode(
        { pollWaitsMs: [200, 300, 250, 350] },
        variant === 'wake signals' ? memoryWakeBus() : undefined,
      );
      const firstAt = Date.now() + 1_000;
      await client.createSchedule({
        name: 'every-second',
        executor: 'noop',
        trigger: { kind: 'interval', everyMs: 1_000 },
        startAt: firstAt,
      });
      await vi.advanceTimersByTimeAsync(1_500);
      peels.length = 0;
      await vi.advanceTimersByTimeAsync(20_000);
      counts[variant] = peels.length;
      await stopUnderFakeTime(node);
      // Every fire time of the 20.5 s from the first ran, each once and on time.
      expect(
        starts.map((s) => s.fireAt),
        variant,
      ).toEqual(Array.from({ length: 21 }, (_, i) => firstAt + i * 1_000));
      expect(Math.max(...lateness(starts)), variant).toBeLessThanOrEqual(10);
      expect(errors, variant).toEqual([]);
    }
    // 20 s at one peel per 1.25 s (a quarter of the default 5 s lookahead); the loop peels on
    // its first turn after that, so a peel comes every 1.25-1.6 s.
    expect(counts['wake signals']).toBeGreaterThanOrEqual(12);
    expect(counts['wake signals']).toBeLessThanOrEqual(17);
    // Without wake signals, at least every 350 ms (the longest poll wait).
    expect(counts['polling only']).toBeGreaterThanOrEqual(57);
  });

  it('a lookahead shorter than four poll waits peels every shortest poll wait', async () => {
    const { node, peels, errors } = await countedNode({ pollWaitsMs: [200], lookaheadMs: 400 }, memoryWakeBus());
    peels.length = 0;
    await vi.advanceTimersByTimeAsync(10_000);
    // An idle node with wake signals polls every 200 ms alone: it peels on each turn.
    expect(peels.length).toBeGreaterThanOrEqual(45);
    await stopUnderFakeTime(node);
    expect(errors).toEqual([]);
  });
});

describe('a gate this node releases is peeled at once, whatever the poll waits', () => {
  it("an after-run schedule's next fire time, a delay after its run ended, runs on time", async () => {
    const { node, client, starts, errors } = await countedNode({ pollWaitsMs: [LONG_POLL_MS] }, memoryWakeBus());
    const firstAt = Date.now() + 500;
    await client.createSchedule({
      name: 'after-run',
      executor: 'noop',
      trigger: { kind: 'after-run', delayMs: 1_000, firstAt },
    });
    await vi.advanceTimersByTimeAsync(5_000);
    await stopUnderFakeTime(node);
    // Each run ends at once and the next is due a second later: 5 runs in the 4.5 s, each started
    // on time. Without a peel at the end of each run, the second would wait for a poll (60 s).
    expect(starts).toHaveLength(5);
    expect(Math.max(...lateness(starts))).toBeLessThanOrEqual(10);
    // Each fire time is a second after the previous run's end, committed within the claim pace (10 ms).
    for (const [i, s] of starts.entries()) {
      const gap = s.fireAt - (starts[i - 1]?.at ?? s.fireAt - 1_000);
      expect(gap).toBeGreaterThanOrEqual(1_000);
      expect(gap).toBeLessThanOrEqual(1_010);
    }
    expect(errors).toEqual([]);
  });

  it('an on-start schedule peels its next fire time when its task starts', async () => {
    const { node, client, starts, errors } = await countedNode({ pollWaitsMs: [LONG_POLL_MS] }, memoryWakeBus());
    const firstAt = Date.now() + 1_000;
    await client.createSchedule({
      name: 'on-start',
      executor: 'noop',
      trigger: { kind: 'interval', everyMs: 1_000 },
      startAt: firstAt,
      policies: { taskCreation: 'on-start' },
    });
    await vi.advanceTimersByTimeAsync(5_000);
    await stopUnderFakeTime(node);
    // One task at a time, the next peeled as the previous starts: every fire time runs on time.
    expect(starts.map((s) => s.fireAt)).toEqual(Array.from({ length: 5 }, (_, i) => firstAt + i * 1_000));
    expect(Math.max(...lateness(starts))).toBeLessThanOrEqual(10);
    expect(errors).toEqual([]);
  });

  it("a client's cancel of a schedule's gate task is announced, and a node peels the schedule's next fire time", async () => {
    const { node, client, datastore, starts, errors } = await countedNode(
      { pollWaitsMs: [LONG_POLL_MS] },
      memoryWakeBus(),
    );
    const firstAt = Date.now() + 1_000;
    const s = await client.createSchedule({
      name: 'on-end',
      executor: 'noop',
      trigger: { kind: 'interval', everyMs: 1_000 },
      startAt: firstAt,
      policies: { taskCreation: 'on-end' },
    });
    await vi.advanceTimersByTimeAsync(100);
    const [gate] = await datastore.taskList({ scheduleId: s.id });
    expect(gate?.fireAt).toBe(firstAt);
    await client.cancelTask(gate?.id ?? '', 'not this one');
    await vi.advanceTimersByTimeAsync(2_000);
    await stopUnderFakeTime(node);
    // The cancelled fire time never ran; the next one was peeled on the announcement and ran on time.
    expect(starts[0]).toEqual({ fireAt: firstAt + 1_000, at: firstAt + 1_000 });
    expect(errors).toEqual([]);
  });
});
