import { describe, expect, it } from 'vitest';
import { RATE_WINDOW_MS, rateWindowStart } from '../../datastore/rate-window.js';
import { OWNER_B, type ConformanceContext } from '../fixtures.js';

/** Cluster-wide rate limits: stored, listed, removed, and applied by claims in one-second windows. */
export function describeRateLimits(ctx: ConformanceContext): void {
  describe('rate limits', () => {
    it('stores, lists (last write wins) and removes a limit', async () => {
      const { store, exec, t0 } = ctx;
      expect(await store.rateLimitList()).toEqual([]);
      await store.rateLimitSet({ executor: exec, perSecond: 3, setBy: 'node-a', now: t0 });
      await store.rateLimitSet({ executor: exec, perSecond: 5, setBy: 'node-b', now: t0 + 1 });
      expect(await store.rateLimitList()).toEqual([
        { executor: exec, perSecond: 5, setBy: 'node-b', updatedAt: t0 + 1 },
      ]);
      await store.rateLimitSet({ executor: exec, perSecond: null, setBy: 'node-b', now: t0 + 2 });
      expect(await store.rateLimitList()).toEqual([]);
    });

    it('starts no more tasks of a limited executor per window than its limit, across claimers', async () => {
      const { store, exec, t0, seed, claim } = ctx;
      await seed({ tasks: Array.from({ length: 7 }, (_, i) => ({ fireAt: t0 - 10 - i, dueAt: t0 - 10 - i })) });
      await store.rateLimitSet({ executor: exec, perSecond: 2, setBy: 'test', now: t0 });
      const w = rateWindowStart(t0) + RATE_WINDOW_MS;
      expect((await claim({ now: w })).started).toHaveLength(2);
      expect((await claim({ now: w + 500, owner: OWNER_B, nodeId: 'node-b' })).started).toHaveLength(0);
      expect((await claim({ now: w + RATE_WINDOW_MS - 1 })).started).toHaveLength(0);
      expect((await claim({ now: w + RATE_WINDOW_MS, owner: OWNER_B, nodeId: 'node-b' })).started).toHaveLength(2);
      expect((await claim({ now: w + RATE_WINDOW_MS, limit: 1 })).started).toHaveLength(0);
      await store.rateLimitSet({ executor: exec, perSecond: null, setBy: 'test', now: w + RATE_WINDOW_MS });
      expect((await claim({ now: w + RATE_WINDOW_MS + 1 })).started).toHaveLength(3);
    });

    it('leaves executors without a limit alone in the same claim', async () => {
      const { store, exec, t0, seed, claim } = ctx;
      await seed({ tasks: Array.from({ length: 3 }, (_, i) => ({ fireAt: t0 - 10 - i, dueAt: t0 - 10 - i })) });
      await seed({
        schedule: { executor: `${exec}-free` },
        tasks: Array.from({ length: 3 }, (_, i) => ({ fireAt: t0 - 10 - i, dueAt: t0 - 10 - i })),
      });
      await store.rateLimitSet({ executor: exec, perSecond: 1, setBy: 'test', now: t0 });
      const { started } = await claim({ now: t0 + 1, executors: [exec, `${exec}-free`] });
      expect(started.filter((t) => t.executor === exec)).toHaveLength(1);
      expect(started.filter((t) => t.executor === `${exec}-free`)).toHaveLength(3);
    });
  });
}
