import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryDatastore, noWakeSignals, RookeryClient, type WakeKind, type WakeSignals } from '../../src/index.js';
import { startTestNode, stopUnderFakeTime, useFakeTime } from './harness.js';

beforeEach(() => useFakeTime());
afterEach(() => vi.useRealTimers());

/** A poll wait far longer than the test's fire times: only a wake signal starts them sooner. */
const LONG_POLL_MS = 60_000;

/**
 * An in-process stand-in for a transport: what is announced is recorded (due times in
 * `announced`, their kinds beside them in `kinds`), and reaches the listening handler only
 * when the test delivers it.
 */
function manualWakeSignals(): {
  signals: WakeSignals;
  announced: number[];
  kinds: (WakeKind | undefined)[];
  deliver(dueAt: number, kind?: WakeKind): void;
  listening(): boolean;
} {
  let handler: ((dueAt: number, kind?: WakeKind) => void) | null = null;
  const announced: number[] = [];
  const kinds: (WakeKind | undefined)[] = [];
  return {
    signals: {
      announce: (dueAt, kind) => {
        announced.push(dueAt);
        kinds.push(kind);
      },
      listen: (h) => {
        handler = h;
        return async () => {
          handler = null;
        };
      },
    },
    announced,
    kinds,
    deliver: (dueAt, kind) => handler?.(dueAt, kind),
    listening: () => handler !== null,
  };
}

/**
 * A node polling every {@link LONG_POLL_MS} with `signals`, a client announcing on
 * `clientSignals`, the start times of its runs, and the instants of its peel and claim queries.
 */
async function idleNode(signals: WakeSignals, clientSignals: WakeSignals) {
  const datastore = new MemoryDatastore();
  const peels: number[] = [];
  const claims: number[] = [];
  const scheduleClaimDue = datastore.scheduleClaimDue.bind(datastore);
  datastore.scheduleClaimDue = (p) => {
    peels.push(Date.now());
    return scheduleClaimDue(p);
  };
  const taskClaimDue = datastore.taskClaimDue.bind(datastore);
  datastore.taskClaimDue = (p) => {
    claims.push(Date.now());
    return taskClaimDue(p);
  };
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
  return { ...started, datastore, client, starts, peels, claims };
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
    expect(wake.kinds).toEqual(['schedules']);
    wake.deliver(fireAt, 'schedules');
    await vi.advanceTimersByTimeAsync(2_000);
    // Woken by the signal, the node peeled the schedule and started its task at the fire time
    // (on the fake clock), long before its next poll.
    expect(starts).toEqual([{ fireAt, at: fireAt }]);
    expect(Date.now()).toBeLessThan(fireAt + LONG_POLL_MS);
    // And it announced the task it peeled, for the other nodes: a task, which they need not peel.
    expect(wake.announced).toEqual([fireAt, fireAt]);
    expect(wake.kinds).toEqual(['schedules', 'tasks']);
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

  it('a hint of tasks wakes the node to claim at their due time, without a peel query; a hint of a schedule, or one without a kind, peels first', async () => {
    const wake = manualWakeSignals();
    const { node, client, starts, peels, claims, errors } = await idleNode(wake.signals, wake.signals);
    const enqueuedAt = Date.now();
    const runAt = enqueuedAt + 3_000;
    await client.enqueue({ executor: 'noop', runAt });
    expect(wake.announced).toEqual([runAt]);
    expect(wake.kinds).toEqual(['tasks']);
    peels.length = 0;
    claims.length = 0;
    wake.deliver(runAt, 'tasks');
    await vi.advanceTimersByTimeAsync(4_000);
    expect(starts).toEqual([{ fireAt: runAt, at: runAt }]);
    // Woken at the job's due time only: one claim there, no peel query anywhere.
    expect(peels).toEqual([]);
    expect(claims[0]).toBe(runAt);
    for (const kind of ['schedules', undefined] as const) {
      peels.length = 0;
      const dueAt = Date.now() + 4_000;
      wake.deliver(dueAt, kind);
      await vi.advanceTimersByTimeAsync(4_100);
      // Peeled once the announced time was within half the lookahead (5 s by default).
      expect(peels, String(kind)).toEqual([dueAt - 2_500]);
    }
    await stopUnderFakeTime(node);
    expect(errors).toEqual([]);
  });

  it("a retry and a stopping node's hand-back are announced as tasks, for a free node to claim", async () => {
    const wake = manualWakeSignals();
    const datastore = new MemoryDatastore();
    const client = new RookeryClient({ datastore });
    let calls = 0;
    const { node, errors } = await startTestNode(
      datastore,
      {
        flaky: async () => {
          calls += 1;
          if (calls === 1) throw new Error('first attempt fails');
        },
        long: (ctx) => new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve())),
      },
      { pollWaitsMs: [100], wakeSignals: wake.signals },
    );
    await client.enqueue({ executor: 'flaky', policies: { retry: { kind: 'fixed', maxAttempts: 2, delayMs: 1_000 } } });
    await vi.advanceTimersByTimeAsync(300);
    // The failed attempt's task is pending again, due a second later: announced at that time.
    const retried = (await datastore.taskList({ executor: 'flaky' }))[0];
    expect(retried?.state).toBe('pending');
    expect(wake.announced).toEqual([retried?.dueAt]);
    expect(wake.kinds).toEqual(['tasks']);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(calls).toBe(2);
    // A running attempt aborted by the stop is handed back, pending and due at once: announced too.
    await client.enqueue({ executor: 'long' });
    await vi.advanceTimersByTimeAsync(300);
    wake.announced.length = 0;
    wake.kinds.length = 0;
    await stopUnderFakeTime(node, 100);
    const handedBack = (await datastore.taskList({ executor: 'long' }))[0];
    expect(handedBack?.state).toBe('pending');
    expect(wake.announced).toEqual([handedBack?.dueAt]);
    expect(wake.kinds).toEqual(['tasks']);
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
