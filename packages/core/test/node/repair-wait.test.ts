import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { repairWaitMs } from '../../src/node/repair-wait.js';
import { memoryCluster, startTestNode, stopUnderFakeTime, useFakeTime } from './harness.js';

const timings = { repairEveryMs: 1_000, leaseMs: 10_000 };

describe('repairWaitMs', () => {
  it('waits until the earliest lease expires, within one repair interval and one lease', () => {
    expect(repairWaitMs({ now: 50_000, earliestExpiryAt: 57_000 }, timings)).toBe(7_005);
    // A lease expiring sooner than the interval, or expired already: the interval.
    expect(repairWaitMs({ now: 50_000, earliestExpiryAt: 50_400 }, timings)).toBe(1_000);
    expect(repairWaitMs({ now: 50_000, earliestExpiryAt: 49_000 }, timings)).toBe(1_000);
    // An external execution (0): the interval.
    expect(repairWaitMs({ now: 50_000, earliestExpiryAt: 0 }, timings)).toBe(1_000);
    // Nothing running: a lease granted after the read expires no sooner than a lease from now.
    expect(repairWaitMs({ now: 50_000, earliestExpiryAt: null }, timings)).toBe(10_000);
    // A lease longer than the node's own (another node's): still at most one of this node's leases.
    expect(repairWaitMs({ now: 50_000, earliestExpiryAt: 90_000 }, timings)).toBe(10_000);
  });

  it('waits one repair interval when the last round could not read, or when the interval is the longer', () => {
    expect(repairWaitMs(undefined, timings)).toBe(1_000);
    expect(repairWaitMs({ now: 0, earliestExpiryAt: null }, { repairEveryMs: 600_000, leaseMs: 10_000 })).toBe(600_000);
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
    expect(repaired[0]! - (claimedAt + 10_000)).toBeGreaterThanOrEqual(0);
    expect(repaired[0]! - (claimedAt + 10_000)).toBeLessThanOrEqual(1_000);
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
