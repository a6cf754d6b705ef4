import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryDatastore, noWakeSignals, RookeryClient, type WakeSignals } from '../../src/index.js';
import { startTestNode, stopUnderFakeTime, useFakeTime } from './harness.js';

beforeEach(() => useFakeTime());
afterEach(() => vi.useRealTimers());

/** A poll wait far longer than the test's fire times: only a wake signal starts them sooner. */
const LONG_POLL_MS = 60_000;

/**
 * An in-process stand-in for a transport: what is announced is recorded, and reaches the
 * listening handler only when the test delivers it.
 */
function manualWakeSignals(): {
  signals: WakeSignals;
  announced: number[];
  deliver(dueAt: number): void;
  listening(): boolean;
} {
  let handler: ((dueAt: number) => void) | null = null;
  const announced: number[] = [];
  return {
    signals: {
      announce: (dueAt) => void announced.push(dueAt),
      listen: (h) => {
        handler = h;
        return async () => {
          handler = null;
        };
      },
    },
    announced,
    deliver: (dueAt) => handler?.(dueAt),
    listening: () => handler !== null,
  };
}

/** A node polling every {@link LONG_POLL_MS} with `signals`, a client announcing on `clientSignals`, and the start times of its runs. */
async function idleNode(signals: WakeSignals, clientSignals: WakeSignals) {
  const datastore = new MemoryDatastore();
  const client = new RookeryClient({ datastore, wakeSignals: clientSignals });
  const starts: { fireAt: number; at: number }[] = [];
  const started = await startTestNode(
    datastore,
    { noop: async (ctx) => void starts.push({ fireAt: ctx.task.fireAt, at: Date.now() }) },
    {
      pollWaitsMs: [LONG_POLL_MS],
      wakeSignals: signals,
    },
  );
  // The node's first round finds nothing; it now sleeps for the whole poll wait.
  await vi.advanceTimersByTimeAsync(10);
  return { ...started, datastore, client, starts };
}

describe('wake signals wake an idle node before its next poll', () => {
  it('an announced due time wakes the loop: a one-shot created during a long poll wait starts at its fire time', async () => {
    const wake = manualWakeSignals();
    const { node, client, starts, errors } = await idleNode(wake.signals, wake.signals);
    expect(wake.listening()).toBe(true);
    const fireAt = Date.now() + 1_000;
    await client.createSchedule({ name: 'soon', executor: 'noop', trigger: { kind: 'once', at: fireAt } });
    // The client announced the schedule's fire time (it falls due within a minute).
    expect(wake.announced).toEqual([fireAt]);
    wake.deliver(fireAt);
    await vi.advanceTimersByTimeAsync(2_000);
    // Woken by the signal, the node peeled the schedule and started its task at the fire time
    // (on the fake clock), long before its next poll.
    expect(starts).toEqual([{ fireAt, at: fireAt }]);
    expect(Date.now()).toBeLessThan(fireAt + LONG_POLL_MS);
    // And it announced the task it peeled, for the other nodes.
    expect(wake.announced).toContain(fireAt);
    await stopUnderFakeTime(node);
    expect(errors).toEqual([]);
  });

  it('a schedule due beyond the lookahead wakes the node at its fire time, not at its creation', async () => {
    const wake = manualWakeSignals();
    const { node, client, starts, errors } = await idleNode(wake.signals, wake.signals);
    const fireAt = Date.now() + 20_000; // beyond the default lookahead (5 s), within the wake horizon (60 s)
    await client.createSchedule({ name: 'later', executor: 'noop', trigger: { kind: 'once', at: fireAt } });
    for (const at of wake.announced) wake.deliver(at);
    await vi.advanceTimersByTimeAsync(21_000);
    expect(starts).toEqual([{ fireAt, at: fireAt }]);
    await stopUnderFakeTime(node);
    expect(errors).toEqual([]);
  });

  it('an announced time that is not delivered (or no signals at all) changes nothing but latency: the task starts at the next poll', async () => {
    for (const variant of ['announced, not delivered', 'noWakeSignals'] as const) {
      const wake = manualWakeSignals();
      const signals = variant === 'noWakeSignals' ? noWakeSignals : wake.signals;
      const polledAt = Date.now() + LONG_POLL_MS; // the node's first sleep began at start (10 ms ago)
      const { node, client, starts, errors } = await idleNode(signals, signals);
      const fireAt = Date.now() + 1_000;
      await client.createSchedule({ name: 'soon', executor: 'noop', trigger: { kind: 'once', at: fireAt } });
      await vi.advanceTimersByTimeAsync(5_000);
      expect(starts, variant).toEqual([]);
      await vi.advanceTimersByTimeAsync(LONG_POLL_MS);
      expect(starts, variant).toHaveLength(1);
      const [start] = starts;
      expect(start?.fireAt, variant).toBe(fireAt);
      // Started by the poll that followed the long wait: late, but exactly once.
      expect(start?.at, variant).toBeGreaterThanOrEqual(polledAt - 10);
      expect(start?.at, variant).toBeLessThanOrEqual(polledAt + 1_000);
      await stopUnderFakeTime(node);
      expect(errors, variant).toEqual([]);
    }
  });
});
