import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { repairWaitMs } from '../../src/node/repair-wait.js';
import { memoryCluster, startTestNode, stopUnderFakeTime, useFakeTime } from './harness.js';

const timings = { repairEveryMs: 1_000, leaseMs: 10_000 };

describe('repairWaitMs', () => {
  const at = (nextExpiryAt: number | null, repairable = false) => ({ now: 50_000, nextExpiryAt, repairable });

  it('waits until just after the next lease expires, and at most one lease', () => {
    expect(repairWaitMs(at(57_000), timings)).toBe(7_005);
    expect(repairWaitMs(at(50_400), timings)).toBe(405);
    // Leases expiring a few milliseconds apart share a round.
    expect(repairWaitMs(at(50_001), timings)).toBe(50);
    expect(repairWaitMs(at(50_001), { repairEveryMs: 20, leaseMs: 1_000 })).toBe(20);
    // Nothing running: a lease granted after the read expires no sooner than a lease from now.
    expect(repairWaitMs(at(null), timings)).toBe(10_000);
    // A lease longer than the node's own (another node's): still at most one of this node's leases.
    expect(repairWaitMs(at(90_000), timings)).toBe(10_000);
  });

  it('waits at most one repair interval while a task is repairable already, or when the round could not read', () => {
    // Another node's round taking a lease back at that instant, a skipped row, an external execution.
    expect(repairWaitMs(at(57_000, true), timings)).toBe(1_000);
    expect(repairWaitMs(at(null, true), timings)).toBe(1_000);
    // The next expiry still wakes the node, if sooner.
    expect(repairWaitMs(at(50_300, true), timings)).toBe(305);
    expect(repairWaitMs(undefined, timings)).toBe(1_000);
    expect(repairWaitMs(at(null), { repairEveryMs: 600_000, leaseMs: 10_000 })).toBe(600_000);
  });
});

describe('a node repairs when a lease can have expired', () => {
  beforeEach(() => useFakeTime());
  afterEach(() => vi.useRealTimers());

  it('makes one repair round per lease while nothing runs, and takes back a dead holder’s task within a repair interval of its expiry', async () => {
    const { datastore, client } = memoryCluster();
    const { node, events, errors } = await startTestNode(datastore, {}, { leaseMs: 10_000, repairEveryMs: 1_000 });
    const rounds: number[] = [];
    events.on('repairStarted', () => rounds.push(Date.now()));
    await vi.advanceTimersByTimeAsync(30_500);
    // Nothing running: the first round after 1 s, then one every lease (10 s), not every second.
    expect(rounds.length).toBe(3);
    expect(rounds[1]! - rounds[0]!).toBe(10_000);

    // A node that dies holding a task: its lease expires 10 s after its claim.
    const { task } = await client.enqueue({ executor: 'noop' });
    const claimedAt = Date.now();
    const { started } = await datastore.taskClaimDue({
      owner: 'dead-owner',
      nodeId: 'dead',
      limit: 1,
      leaseMs: 10_000,
      executors: ['noop'],
    });
    expect(started.map((t) => t.id)).toEqual([task.id]);
    const repaired: number[] = [];
    events.on('repairFinished', (_id, tasks) => {
      if (tasks.some((t) => t.id === task.id)) repaired.push(Date.now());
    });
    await vi.advanceTimersByTimeAsync(25_000);
    expect(repaired).toHaveLength(1);
    // Just after its expiry, not up to a repair interval later.
    expect(repaired[0]! - (claimedAt + 10_000)).toBeGreaterThanOrEqual(0);
    expect(repaired[0]! - (claimedAt + 10_000)).toBeLessThanOrEqual(10);
    expect(await datastore.taskGet(task.id)).toMatchObject({ state: 'pending', fence: started[0]!.fence + 1 });
    expect(errors).toEqual([]);
    await stopUnderFakeTime(node);
  });

  it('keeps repairing every interval while a task with an external execution runs (its holder may hand it over at once)', async () => {
    const { datastore, client } = memoryCluster();
    const { node, events } = await startTestNode(datastore, {}, { leaseMs: 10_000, repairEveryMs: 1_000 });
    await client.enqueue({ executor: 'noop' });
    const [held] = (
      await datastore.taskClaimDue({ owner: 'other', nodeId: 'other', limit: 1, leaseMs: 60_000, executors: ['noop'] })
    ).started;
    expect(
      await datastore.taskSetExecution({
        taskId: held!.id,
        owner: 'other',
        fence: held!.fence,
        executionId: 'exec-1',
      }),
    ).toBe(true);
    const rounds: number[] = [];
    events.on('repairStarted', () => rounds.push(Date.now()));
    await vi.advanceTimersByTimeAsync(10_500);
    expect(rounds.length).toBeGreaterThanOrEqual(9);
    await stopUnderFakeTime(node);
  });
});
