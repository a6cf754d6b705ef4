import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestEventBus as createEventBus, TestWorkerPool as WorkerPool } from '../../src/testing/index.js';
import { RookeryNode, type Datastore } from '../../src/index.js';
import { memoryCluster, startTestNode, stopUnderFakeTime, useFakeTime } from './harness.js';

beforeEach(() => useFakeTime());
afterEach(() => vi.useRealTimers());

/** A datastore whose calls wait, while it is held, until `release()` (a database that stops answering, then comes back). */
function holdable(datastore: Datastore): { datastore: Datastore; hold(): void; release(): void } {
  let gate: Promise<void> | null = null;
  let open = (): void => undefined;
  const proxy = new Proxy(datastore, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const call = (...args: unknown[]): unknown => (value as (...a: unknown[]) => unknown).apply(target, args);
      return (...args: unknown[]) => (gate ? gate.then(() => call(...args)) : call(...args));
    },
  }) as Datastore;
  return {
    datastore: proxy,
    hold: () => {
      gate = new Promise((resolve) => (open = resolve));
    },
    release: () => {
      gate = null;
      open();
    },
  };
}

describe('RookeryNode.msSinceLoopTurn', () => {
  it('is null before the first turn', () => {
    const { datastore } = memoryCluster();
    const node = new RookeryNode({
      datastore,
      events: createEventBus(),
      executors: [],
      pool: new WorkerPool({ concurrency: 1 }),
    });
    expect(node.msSinceLoopTurn).toBeNull();
  });

  it('stays within a poll wait while the loop turns, grows while a database call holds the loop, and drops once it answers', async () => {
    const store = holdable(memoryCluster().datastore);
    const { node } = await startTestNode(store.datastore, {}, { pollWaitsMs: [100] });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(node.msSinceLoopTurn).not.toBeNull();
    expect(node.msSinceLoopTurn!).toBeLessThanOrEqual(100);
    store.hold();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(node.msSinceLoopTurn!).toBeGreaterThanOrEqual(9_800);
    store.release();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(node.msSinceLoopTurn!).toBeLessThanOrEqual(100);
    await stopUnderFakeTime(node);
  });
});
