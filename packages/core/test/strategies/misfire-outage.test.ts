import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_LEDGER_ROWS, MAX_PEEL_BACKLOG, type MisfirePolicyName, type Task } from '../../src/index.js';
import { memoryCluster, startTestNode, stopUnderFakeTime, useFakeTime } from '../node/harness.js';

/**
 * Misfire policies and the starting deadline after a whole-cluster outage, on the memory store
 * with the clock injected (fake timers): a node runs a per-minute schedule, is stopped, the
 * clock moves on with no node at all, and a node starts again.
 */

const SEC = 1_000;
const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');

beforeEach(() => useFakeTime(T0));
afterEach(() => vi.useRealTimers());

/** Minute index of a fire time. */
const minute = (t: number): number => (t - T0) / MIN;

async function cluster(policies: { misfire: MisfirePolicyName; misfireMaxRuns?: number; startingDeadlineMs?: number }) {
  const { datastore, client } = memoryCluster();
  const schedule = await client.createSchedule({
    name: `outage-${policies.misfire}`,
    executor: 'noop',
    trigger: { kind: 'interval', everyMs: MIN, anchor: T0 },
    policies: { misfireGraceMs: 5 * SEC, ...policies },
  });
  const runs: number[] = [];
  const start = () => startTestNode(datastore, { noop: async (ctx) => void runs.push(minute(ctx.task.fireAt)) });
  const tasks = async (): Promise<Task[]> =>
    (await datastore.taskList({ scheduleId: schedule.id, limit: 100_000 })).sort((a, b) => a.fireAt - b.fireAt);
  const stateOf = async (): Promise<Record<number, string>> =>
    Object.fromEntries((await tasks()).map((t) => [minute(t.fireAt), t.state]));
  return { start, runs, tasks, stateOf };
}

/** Runs a node over minutes 0..2, stops it, leaves the cluster down until `downUntil`, starts a node again. */
async function outage(c: Awaited<ReturnType<typeof cluster>>, downUntil: number) {
  const first = await c.start();
  await vi.advanceTimersByTimeAsync(2 * MIN + 30 * SEC);
  expect(c.runs).toEqual([0, 1, 2]);
  await stopUnderFakeTime(first.node);
  await vi.advanceTimersByTimeAsync(downUntil - Date.now());
  const second = await c.start();
  await vi.advanceTimersByTimeAsync(5 * SEC);
  return second;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const states = (entries: [number[], string][]): Record<number, string> =>
  Object.fromEntries(entries.flatMap(([ks, s]) => ks.map((k) => [k, s])));

describe('misfire policies after a whole-cluster outage (node stopped at 2:30+, cluster down until 20:30)', () => {
  const downUntil = T0 + 20 * MIN + 30 * SEC; // minutes 3..20 fell due with no node

  it('run-once: one run for the whole outage, every other fire time recorded coalesced', async () => {
    const c = await cluster({ misfire: 'run-once' });
    const { node, errors } = await outage(c, downUntil);
    expect(c.runs).toEqual([0, 1, 2, 20]);
    expect(await c.stateOf()).toEqual(
      states([
        [[0, 1, 2, 20], 'completed'],
        [range(3, 19), 'coalesced'],
      ]),
    );
    await stopUnderFakeTime(node);
    expect(errors).toEqual([]);
  });

  it('skip: every fire time of the outage recorded missed; the next on-time one runs', async () => {
    const c = await cluster({ misfire: 'skip' });
    const { node } = await outage(c, downUntil);
    expect(c.runs).toEqual([0, 1, 2]);
    expect(await c.stateOf()).toEqual(
      states([
        [[0, 1, 2], 'completed'],
        [range(3, 20), 'missed'],
      ]),
    );
    await vi.advanceTimersByTimeAsync(MIN); // 21:35
    expect(c.runs).toEqual([0, 1, 2, 21]);
    await stopUnderFakeTime(node);
  });

  it('run-all, maximum 4: the 4 latest fire times run, older ones recorded missed', async () => {
    const c = await cluster({ misfire: 'run-all', misfireMaxRuns: 4 });
    const { node } = await outage(c, downUntil);
    expect(c.runs).toEqual([0, 1, 2, 17, 18, 19, 20]);
    expect(await c.stateOf()).toEqual(
      states([
        [[0, 1, 2, 17, 18, 19, 20], 'completed'],
        [range(3, 16), 'missed'],
      ]),
    );
    await stopUnderFakeTime(node);
  });

  it('starting deadline: catch-up runs older than the deadline are recorded missed, not started late', async () => {
    const c = await cluster({ misfire: 'run-all', misfireMaxRuns: 4, startingDeadlineMs: 45 * SEC });
    const { node } = await outage(c, downUntil);
    // 17..19 are over 45 s late when the node is back at 20:30; 20 is 30 s late and still runs.
    expect(c.runs).toEqual([0, 1, 2, 20]);
    const all = await c.tasks();
    expect(await c.stateOf()).toEqual(
      states([
        [[0, 1, 2, 20], 'completed'],
        [range(3, 19), 'missed'],
      ]),
    );
    for (const t of all.filter((x) => [17, 18, 19].includes(minute(x.fireAt))))
      expect(t.reason ?? '').toMatch(/starting deadline/);
    await stopUnderFakeTime(node);
  });

  it('starting deadline: a task peeled ahead before the node stopped is missed once the deadline passed', async () => {
    const c = await cluster({ misfire: 'run-all', startingDeadlineMs: 20 * SEC });
    const first = await c.start();
    await vi.advanceTimersByTimeAsync(2 * MIN + 58 * SEC); // minute 3 is peeled (lookahead 5 s), not yet due
    expect((await c.stateOf())[3]).toBe('pending');
    await stopUnderFakeTime(first.node); // 2:59+
    await vi.advanceTimersByTimeAsync(T0 + 3 * MIN + 40 * SEC - Date.now());
    const { node } = await c.start();
    await vi.advanceTimersByTimeAsync(30 * SEC); // 4:10
    expect(c.runs).toEqual([0, 1, 2, 4]);
    expect(await c.stateOf()).toEqual(
      states([
        [[0, 1, 2, 4], 'completed'],
        [[3], 'missed'],
      ]),
    );
    await stopUnderFakeTime(node);
  });
});

describe('a clock that jumps a year ahead', () => {
  const YEAR = 365 * DAY;

  it.each([
    ['run-all', 5, 5],
    ['run-once', 5, 1],
    ['skip', 5, 0],
  ] as const)(
    '%s (maximum %d): at most %d catch-up runs, every fire time in the ledger once, the ledger bounded',
    async (misfire, misfireMaxRuns, catchUp) => {
      const c = await cluster({ misfire, misfireMaxRuns });
      const first = await c.start();
      await vi.advanceTimersByTimeAsync(2 * MIN + 30 * SEC);
      await stopUnderFakeTime(first.node);
      const jumpedTo = T0 + YEAR + 30 * SEC; // the system (and so the database) clock jumps
      vi.setSystemTime(jumpedTo);
      const { node, errors } = await c.start();
      await vi.advanceTimersByTimeAsync(20 * SEC);
      await stopUnderFakeTime(node);
      expect(errors).toEqual([]);

      const lastDue = T0 + YEAR; // minute 525 600, 30 s late at the jump: misfired
      const caughtUp = c.runs.filter((m) => m > 2);
      expect(caughtUp).toEqual(Array.from({ length: catchUp }, (_, i) => minute(lastDue) - catchUp + 1 + i));
      const all = await c.tasks();
      // Every fire time from minute 0 to the last one due is covered by exactly one row.
      let expected = T0;
      for (const t of all) {
        expect(t.fireAt).toBe(expected);
        expected = (t.spanEndAt ?? t.fireAt) + MIN;
      }
      expect(expected).toBe(lastDue + MIN);
      // Bounded: one span row per peel of MAX_PEEL_BACKLOG fire times, then at most MAX_LEDGER_ROWS rows one by one.
      const fireTimes = minute(lastDue) + 1;
      expect(all.length).toBeLessThanOrEqual(3 + Math.ceil(fireTimes / MAX_PEEL_BACKLOG) + MAX_LEDGER_ROWS + catchUp);
      expect(all.filter((t) => t.state === 'completed' || t.state === 'pending' || t.state === 'running').length).toBe(
        3 + catchUp,
      );
    },
    60_000,
  );
});
