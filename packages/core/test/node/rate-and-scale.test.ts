import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestEventBus as createEventBus, TestWorkerPool as WorkerPool } from '../../src/testing/index.js';
import { RATE_WINDOW_MS, RookeryNode, rateWindowStart } from '../../src/index.js';
import { memoryCluster, memoryWakeBus, startTestNode, stopUnderFakeTime, useFakeTime } from './harness.js';

beforeEach(() => useFakeTime());
afterEach(() => vi.useRealTimers());

describe('cluster-wide rate limits', () => {
  it('two nodes together start no more tasks of a limited executor per second than the limit the last node set', async () => {
    const { datastore, client } = memoryCluster();
    const quick = async () => ({ ok: true });
    // Wake signals let both nodes wake at the due times, whichever peeled the tasks.
    const bus = memoryWakeBus();
    const a = await startTestNode(
      datastore,
      { quick },
      { id: 'a', clusterRateLimits: { quick: 10 }, wakeSignals: bus.signals() },
    );
    const b = await startTestNode(
      datastore,
      { quick },
      { id: 'b', clusterRateLimits: { quick: 3 }, wakeSignals: bus.signals() },
    );
    expect(await datastore.rateLimitList()).toEqual([
      expect.objectContaining({ executor: 'quick', perSecond: 3, setBy: 'b' }),
    ]);
    for (let i = 0; i < 40; i += 1)
      await client.createSchedule({ name: `q${i}`, executor: 'quick', trigger: { kind: 'once', at: Date.now() + 10 } });
    const from = rateWindowStart(Date.now()) + RATE_WINDOW_MS;
    await vi.advanceTimersByTimeAsync(6_000);
    const started = (await datastore.taskList({ limit: 1_000 })).filter((t) => t.startedAt !== null);
    const perWindow = new Map<number, number>();
    for (const t of started)
      perWindow.set(rateWindowStart(t.startedAt ?? 0), (perWindow.get(rateWindowStart(t.startedAt ?? 0)) ?? 0) + 1);
    expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(3);
    // every whole window of the run was used to the full
    for (let w = from; w < from + 4 * RATE_WINDOW_MS; w += RATE_WINDOW_MS) expect(perWindow.get(w)).toBe(3);
    expect(new Set(started.map((t) => t.nodeId))).toEqual(new Set(['a', 'b']));
    await stopUnderFakeTime(a.node);
    await stopUnderFakeTime(b.node);
  });

  it('refuses a limit that is not a whole number ≥ 1', () => {
    const { datastore } = memoryCluster();
    expect(
      () =>
        new RookeryNode({
          datastore,
          events: createEventBus(),
          executors: [],
          pool: new WorkerPool(),
          clusterRateLimits: { x: 0.5 },
        }),
    ).toThrow(expect.objectContaining({ field: 'clusterRateLimits.x' }));
  });
});
