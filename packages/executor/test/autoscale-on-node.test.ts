import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryDatastore, RookeryClient, RookeryNode } from '@rookery/core';
import { createTestEventBus } from '@rookery/core/testing';
import { functionExecutors, WorkerPool } from '../src/index.js';

// An autoscaling pool on a real node (core's in-memory store, fake time): the node tells the
// pool how its claims came back, and the pool's size follows the backlog.

beforeEach(() => {
  vi.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
    now: Date.parse('2026-03-01T00:00:00Z'),
  });
});
afterEach(() => vi.useRealTimers());

describe('an autoscaling worker pool on a node', () => {
  it('grows under a backlog of due tasks and shrinks back when idle', async () => {
    const datastore = new MemoryDatastore();
    const client = new RookeryClient({ datastore, builtInExecutors: ['slow'] });
    const events = createTestEventBus();
    const sizes: number[] = [];
    events.on('poolResized', (workers) => sizes.push(workers));
    const pool = new WorkerPool({
      minWorkers: 1,
      maxWorkers: 8,
      scaleDownAfterMs: 2_000,
      onResize: (w, r) => events.emit('poolResized', w, r),
    });
    const slow = () => new Promise<null>((resolve) => setTimeout(() => resolve(null), 1_000));
    const node = new RookeryNode({
      datastore,
      events,
      pool,
      executors: functionExecutors({ slow }),
      leaseMs: 5_000,
      pollWaitsMs: [100],
    });
    await node.start();
    for (let i = 0; i < 40; i += 1)
      await client.createSchedule({ name: `s${i}`, executor: 'slow', trigger: { kind: 'once', at: Date.now() + 10 } });
    let peak = 0;
    for (let t = 0; t < 6_000; t += 100) {
      await vi.advanceTimersByTimeAsync(100);
      peak = Math.max(peak, node.runningCount);
    }
    expect(peak).toBe(8);
    expect(pool.concurrency).toBe(8);
    expect(sizes.slice(0, 4)).toEqual([2, 3, 5, 8]);
    await vi.advanceTimersByTimeAsync(30_000);
    expect((await datastore.taskList({ limit: 100 })).every((t) => t.state === 'completed')).toBe(true);
    expect(pool.concurrency).toBe(1);
    expect(sizes.at(-1)).toBe(1);
    const stopping = node.stop({ graceMs: 1_000 });
    await vi.advanceTimersByTimeAsync(2_000);
    await stopping;
  });
});
