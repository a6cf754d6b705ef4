import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestEventBus as createEventBus, TestWorkerPool as WorkerPool } from '../../src/testing/index.js';
import { RookeryNode, type Executor } from '../../src/index.js';
import { memoryCluster, partition, stopUnderFakeTime, useFakeTime } from './harness.js';

// The trust window ends at a known instant (claim sent + lease − margin); the node aborts an
// attempt whose lease it could not renew at that instant, not at the next periodic check, so
// the whole margin is left for a stalled event loop before another node may take the task.

beforeEach(() => useFakeTime());
afterEach(() => vi.useRealTimers());

/** Work that runs until its signal aborts, recording the fake instant it saw the abort. */
function untilAborted(aborted: number[]): Executor {
  return {
    name: 'wait',
    start: (ctx) =>
      new Promise((_resolve, reject) => {
        ctx.signal.addEventListener('abort', () => {
          aborted.push(Date.now());
          reject(ctx.signal.reason);
        });
      }),
  };
}

describe('the trust window', () => {
  it('aborts an attempt the node cut off from the database could not renew as its window ends', async () => {
    const { datastore, client } = memoryCluster();
    let cut = false;
    const aborted: number[] = [];
    const events = createEventBus();
    const errors: string[] = [];
    events.on('generalError', (error) => errors.push(error.message));
    // lease 3 s, margin 600 ms: the periodic check runs every 300 ms
    const node = new RookeryNode({
      datastore: partition(datastore, () => cut),
      events,
      executors: [untilAborted(aborted)],
      pool: new WorkerPool({ concurrency: 1 }),
      leaseMs: 3_000,
      trustMarginMs: 600,
      pollWaitsMs: [100],
    });
    await node.start();
    await client.createSchedule(
      { name: 'x', executor: 'wait', trigger: { kind: 'once', at: Date.now() + 10 } },
      { force: true },
    );
    await vi.advanceTimersByTimeAsync(200);
    const [task] = await datastore.taskList();
    expect(task).toMatchObject({ state: 'running' });
    // cut before the first renewal (a third of the lease after the claim)
    cut = true;
    await vi.advanceTimersByTimeAsync(4_000);
    // the window ends at claim sent + 2 400 ms, at most lease end − 600 ms (the same clock here)
    const windowEnd = task!.leaseExpiresAt! - 600;
    expect(aborted).toHaveLength(1);
    expect(aborted[0]).toBeLessThanOrEqual(windowEnd + 2);
    expect(aborted[0]).toBeGreaterThan(windowEnd - 50);
    cut = false;
    await stopUnderFakeTime(node);
    expect(new Set(errors)).toEqual(new Set(['network unreachable']));
  });
});
