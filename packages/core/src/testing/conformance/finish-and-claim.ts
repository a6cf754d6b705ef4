import { describe, expect, it } from 'vitest';
import { LEASE, OWNER_A, type ConformanceContext } from '../fixtures.js';

/**
 * A busy node's round trip: attempts' outcomes committed and due tasks claimed in one call,
 * each part exactly as `taskFinishMany` and `taskClaimDue` would do it alone.
 */
export function describeFinishAndClaim(ctx: ConformanceContext): void {
  describe('finish and claim in one call', () => {
    it('commits the held outcomes, answers the lost one undefined, and claims the due tasks under a lease', async () => {
      const { store, t0, exec, running, seed, taskOf } = ctx;
      expect(store.taskFinishAndClaim, 'the store has taskFinishAndClaim').toBeDefined();
      const a = (await running()).task;
      const b = (await running()).task;
      const due = (await seed()).tasks[0];
      const at = t0 + 50;
      const answer = await store.taskFinishAndClaim?.({
        finishes: [
          {
            taskId: a.id,
            owner: OWNER_A,
            fence: a.fence,
            nodeId: 'node-a',
            outcome: { state: 'completed', result: { n: 1 }, reason: 'ok' },
          },
          {
            taskId: b.id,
            owner: OWNER_A,
            fence: b.fence - 1,
            nodeId: 'node-a',
            outcome: { state: 'completed', result: null, reason: null },
          },
        ],
        claim: { owner: OWNER_A, nodeId: 'node-a', limit: 10, leaseMs: LEASE, executors: [exec] },
        now: at,
      });
      expect(answer?.finished.map((t) => t?.id)).toEqual([a.id, undefined]);
      expect(answer?.finished[0]).toMatchObject({
        state: 'completed',
        result: { n: 1 },
        endedAt: at,
        leaseOwner: null,
      });
      expect(answer?.claimed.started.map((t) => t.id)).toEqual([due?.id]);
      expect(answer?.claimed.started[0]).toMatchObject({
        state: 'running',
        leaseOwner: OWNER_A,
        leaseExpiresAt: at + LEASE,
        attempt: 1,
      });
      expect(answer?.claimed.settled).toEqual([]);
      // the stale commit changed nothing; both parts are in the ledger
      expect(await taskOf(b.id)).toMatchObject({ state: 'running', fence: b.fence });
      expect((await store.taskEvents(a.id)).map((e) => `${e.from}>${e.to}`)).toEqual([
        'null>pending',
        'pending>running',
        'running>completed',
      ]);
      expect((await store.taskEvents(due?.id ?? '')).map((e) => `${e.from}>${e.to}`)).toEqual([
        'null>pending',
        'pending>running',
      ]);
    });

    it('with nothing to claim (limit 0) still commits every outcome', async () => {
      const { store, t0, exec, running, seed } = ctx;
      const a = (await running()).task;
      const due = (await seed()).tasks[0];
      const answer = await store.taskFinishAndClaim?.({
        finishes: [
          {
            taskId: a.id,
            owner: OWNER_A,
            fence: a.fence,
            nodeId: 'node-a',
            outcome: { state: 'failed', error: 'boom', reason: 'failed' },
          },
        ],
        claim: { owner: OWNER_A, nodeId: 'node-a', limit: 0, leaseMs: LEASE, executors: [exec] },
        now: t0 + 10,
      });
      expect(answer?.finished[0]).toMatchObject({ id: a.id, state: 'failed', error: 'boom' });
      expect(answer?.claimed).toEqual({ started: [], settled: [] });
      expect((await ctx.taskOf(due?.id ?? '')).state).toBe('pending');
    });

    it('a task its finish makes pending again, due now, is started once: by this call or by the next claim', async () => {
      const { store, t0, exec, running, claim } = ctx;
      const a = (await running()).task;
      const at = t0 + 20;
      const answer = await store.taskFinishAndClaim?.({
        finishes: [
          {
            taskId: a.id,
            owner: OWNER_A,
            fence: a.fence,
            nodeId: 'node-a',
            outcome: { state: 'pending', dueAt: at, error: 'flaky', countFailure: true, reason: 'retry' },
          },
        ],
        claim: { owner: OWNER_A, nodeId: 'node-a', limit: 10, leaseMs: LEASE, executors: [exec] },
        now: at,
      });
      expect(answer?.finished[0]).toMatchObject({ state: 'pending', failures: 1 });
      const next = await claim({ now: at + 1 });
      const starts = [...(answer?.claimed.started ?? []), ...next.started].filter((t) => t.id === a.id);
      expect(starts).toHaveLength(1);
      expect(starts[0]).toMatchObject({ attempt: 2, fence: a.fence + 1 });
    });
  });
}
