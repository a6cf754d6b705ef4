import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryDatastore, RookeryClient } from '../../src/index.js';
import { memoryWakeBus, startTestNode, stopUnderFakeTime, useFakeTime } from './harness.js';

beforeEach(() => useFakeTime());
afterEach(() => vi.useRealTimers());

/** A poll wait far longer than the test: only a slot coming free (or a wake signal) claims sooner. */
const LONG_POLL_MS = 60_000;

/** Milliseconds each `work` attempt takes. */
const WORK_MS = 100;

/**
 * A node with `concurrency` slots, on a store that carries commits with claims or not, polling every {@link LONG_POLL_MS}, with wake signals; the
 * start instants of its `work` attempts (each takes its payload's ms, or {@link WORK_MS}), the instants of its
 * claims, and a client announcing on the same bus.
 */
async function slowNode(concurrency: number, options: { carriesCommits: boolean }) {
  const datastore = new MemoryDatastore();
  // Without `taskFinishAndClaim`, commits go alone and never call for a claim themselves.
  if (!options.carriesCommits) Object.defineProperty(datastore, 'taskFinishAndClaim', { value: undefined });
  const bus = memoryWakeBus();
  const claims: number[] = [];
  // A claim alone, or one carrying commits (which the memory store makes with its own claim: counted once).
  let carrying = false;
  const taskClaimDue = datastore.taskClaimDue.bind(datastore);
  datastore.taskClaimDue = (p) => {
    if (!carrying) claims.push(Date.now());
    return taskClaimDue(p);
  };
  const taskFinishAndClaim = datastore.taskFinishAndClaim?.bind(datastore);
  if (taskFinishAndClaim)
    datastore.taskFinishAndClaim = async (p) => {
      claims.push(Date.now());
      carrying = true;
      try {
        return await taskFinishAndClaim(p);
      } finally {
        carrying = false;
      }
    };
  const starts: number[] = [];
  const started = await startTestNode(
    datastore,
    {
      work: async (ctx) => {
        starts.push(Date.now());
        const ms = typeof ctx.payload === 'number' ? ctx.payload : WORK_MS;
        await new Promise((resolve) => setTimeout(resolve, ms));
      },
    },
    { concurrency, pollWaitsMs: [LONG_POLL_MS], wakeSignals: bus.signals() },
  );
  const client = new RookeryClient({ datastore, wakeSignals: bus.signals() });
  await vi.advanceTimersByTimeAsync(10);
  return { ...started, datastore, client, claims, starts };
}

describe('a worker slot coming free', () => {
  it('claims again at once when the last round was held back by the free slots', async () => {
    const { node, client, starts, errors } = await slowNode(1, { carriesCommits: false });
    const t0 = Date.now();
    await client.enqueueMany([{ executor: 'work' }, { executor: 'work' }, { executor: 'work' }]);
    await vi.advanceTimersByTimeAsync(1_000);
    // One slot: each job starts as the one before ends (a claim at the claim pace, 10 ms), not a poll later.
    expect(starts).toHaveLength(3);
    expect(starts[0]! - t0).toBeLessThanOrEqual(10);
    for (const [i, at] of starts.entries()) if (i > 0) expect(at - starts[i - 1]!).toBeLessThanOrEqual(WORK_MS + 20);
    await stopUnderFakeTime(node);
    expect(errors).toEqual([]);
  });

  it('calls for no claim of its own when the last round took all that was due', async () => {
    const { node, client, claims, starts, errors } = await slowNode(10, { carriesCommits: true });
    await client.enqueue({ executor: 'work' });
    await vi.advanceTimersByTimeAsync(10);
    expect(starts).toHaveLength(1);
    claims.length = 0;
    await vi.advanceTimersByTimeAsync(2_000);
    // The attempt's end: one round, which carries its commit; its free slot adds none.
    expect(claims).toEqual([starts[0]! + WORK_MS]);
    await stopUnderFakeTime(node);
    expect(errors).toEqual([]);
  });

  it("claims again when the task may have held its schedule's run slot (duplicate policy queue)", async () => {
    const { node, client, starts, errors } = await slowNode(10, { carriesCommits: false });
    const firstAt = Date.now() + 1_000;
    await client.createSchedule({
      name: 'queued',
      executor: 'work',
      trigger: { kind: 'interval', everyMs: 1_000 },
      startAt: firstAt,
      policies: { duplicate: 'queue' },
      // Each run takes 1.5 s: the next fire time waits for the run before it to end.
      payload: 1_500,
    });
    await vi.advanceTimersByTimeAsync(4_000);
    await stopUnderFakeTime(node, 2_000);
    // Each run starts as the one before ends (at the claim pace), not a poll (60 s) later.
    expect(starts.length).toBeGreaterThanOrEqual(3);
    expect(starts[0]).toBe(firstAt);
    for (const [i, at] of starts.entries()) if (i > 0) expect(at - starts[i - 1]!).toBeLessThanOrEqual(1_500 + 20);
    expect(errors).toEqual([]);
  });
});
