import { describe, expect, it } from 'vitest';
import { LEASE, OWNER_A, OWNER_B, TRICKY_PAYLOAD, type ConformanceContext } from '../fixtures.js';
import { taskFinishOne } from '../one-of-many.js';

/**
 * Finishing a task: each outcome, fencing against stale holders, retries handed back as pending,
 * the event history.
 */
export function describeFinish(ctx: ConformanceContext): void {
  describe('finish', () => {
    it('commits completed with result, end time and event, and clears the lease', async () => {
      const { store, t0, running, finishAsA } = ctx;
      const { task } = await running();
      const done = await finishAsA(task, { state: 'completed', result: TRICKY_PAYLOAD, reason: 'ok' }, t0 + 100);
      expect(done).toMatchObject({
        state: 'completed',
        result: TRICKY_PAYLOAD,
        error: null,
        reason: 'ok',
        endedAt: t0 + 100,
        leaseOwner: null,
        leaseExpiresAt: null,
        fence: task.fence,
        attempt: 1,
        failures: 0,
      });
      expect(await store.taskGet(task.id)).toEqual(done);
      expect((await store.taskEvents(task.id)).at(-1)).toEqual({
        taskId: task.id,
        at: t0 + 100,
        from: 'running',
        to: 'completed',
        nodeId: 'node-a',
        reason: 'ok',
        fence: task.fence,
      });
    });

    it('commits failed with the error and counts the failure', async () => {
      const { t0, running, finishAsA } = ctx;
      const { task } = await running();
      const done = await finishAsA(task, { state: 'failed', error: 'boom', reason: null }, t0 + 100);
      expect(done).toMatchObject({ state: 'failed', error: 'boom', failures: 1, result: null, endedAt: t0 + 100 });
    });

    it('commits cancelled', async () => {
      const { t0, running, finishAsA } = ctx;
      const { task } = await running();
      const done = await finishAsA(task, { state: 'cancelled', error: null, reason: 'cancelled by user' }, t0 + 100);
      expect(done).toMatchObject({ state: 'cancelled', reason: 'cancelled by user', failures: 0 });
    });

    it('commits abandoned as terminal: never claimed again', async () => {
      const { store, t0, claim, running, finishAsA } = ctx;
      const { task } = await running();
      const done = await finishAsA(task, { state: 'abandoned', reason: 'node stopping (at-most-once)' }, t0 + 100);
      expect(done).toMatchObject({
        state: 'abandoned',
        reason: 'node stopping (at-most-once)',
        failures: 0,
        endedAt: t0 + 100,
      });
      expect((await claim({ now: t0 + LEASE * 10 })).started).toEqual([]);
      expect((await store.taskEvents(task.id)).at(-1)).toMatchObject({ from: 'running', to: 'abandoned' });
    });

    it('matches nothing with a stale fence, another owner or an expired lease, and leaves the row unchanged', async () => {
      const { store, t0, running, taskOf } = ctx;
      const { task } = await running();
      const before = await taskOf(task.id);
      const outcome = { state: 'completed', result: 1, reason: null } as const;
      const base = { taskId: task.id, nodeId: 'node-a', outcome };
      expect(
        await taskFinishOne(store, { ...base, owner: OWNER_A, fence: task.fence - 1, now: t0 + 1 }),
      ).toBeUndefined();
      expect(await taskFinishOne(store, { ...base, owner: OWNER_B, fence: task.fence, now: t0 + 1 })).toBeUndefined();
      expect(
        await taskFinishOne(store, { ...base, owner: OWNER_A, fence: task.fence, now: t0 + LEASE + 1 }),
      ).toBeUndefined();
      expect(await taskOf(task.id)).toEqual(before);
      expect(await store.taskEvents(task.id)).toHaveLength(2);
    });

    it("a stale holder's write after repair and another claim matches nothing; the new holder's row is unchanged", async () => {
      const { store, t0, claim, running, taskOf, finishAsA } = ctx;
      const { task } = await running();
      await store.taskRepairExpired({ nodeId: 'repairer', limit: 10, maxRepairs: 5, now: t0 + LEASE + 1 });
      const [taken] = (await claim({ owner: OWNER_B, nodeId: 'node-b', now: t0 + LEASE + 2 })).started;
      expect(taken).toMatchObject({ id: task.id, leaseOwner: OWNER_B, fence: task.fence + 2, attempt: 2 });
      const before = await taskOf(task.id);
      const stale = await finishAsA(task, { state: 'completed', result: 'zombie', reason: null }, t0 + LEASE + 3);
      expect(stale).toBeUndefined();
      const renewal = await store.taskRenewLeases({
        owner: OWNER_A,
        leases: [{ taskId: task.id, fence: task.fence }],
        leaseMs: LEASE,
        now: t0 + LEASE + 3,
      });
      expect(renewal.lost).toEqual([task.id]);
      expect(await taskOf(task.id)).toEqual(before);
      const real = await taskFinishOne(store, {
        taskId: task.id,
        owner: OWNER_B,
        fence: taken?.fence ?? 0,
        nodeId: 'node-b',
        outcome: { state: 'completed', result: 'real', reason: null },
        now: t0 + LEASE + 4,
      });
      expect(real).toMatchObject({ state: 'completed', result: 'real' });
    });

    it('hands a retry back as pending: not claimable before dueAt, then claimable with attempt + 1 and fence + 1', async () => {
      const { t0, claim, running, finishAsA } = ctx;
      const { task } = await running();
      const retryAt = t0 + 60_000;
      const back = await finishAsA(
        task,
        { state: 'pending', dueAt: retryAt, error: 'flaky', countFailure: true, reason: 'retry 1 of 3' },
        t0 + 1000,
      );
      expect(back).toMatchObject({
        state: 'pending',
        dueAt: retryAt,
        error: 'flaky',
        failures: 1,
        leaseOwner: null,
        attempt: 1,
      });
      expect((await claim({ now: retryAt - 1 })).started).toEqual([]);
      const [again] = (await claim({ owner: OWNER_B, now: retryAt })).started;
      expect(again).toMatchObject({ id: task.id, attempt: 2, fence: task.fence + 1, leaseOwner: OWNER_B, failures: 1 });
    });

    it('records the whole history with from, to and node', async () => {
      const { store, t0, claim, running, finishAsA } = ctx;
      const { task } = await running();
      await finishAsA(
        task,
        { state: 'pending', dueAt: t0 + 10, error: 'e', countFailure: false, reason: 'graceful stop' },
        t0 + 5,
      );
      const [again] = (await claim({ owner: OWNER_B, nodeId: 'node-b', now: t0 + 10 })).started;
      await taskFinishOne(store, {
        taskId: task.id,
        owner: OWNER_B,
        fence: again?.fence ?? 0,
        nodeId: 'node-b',
        outcome: { state: 'completed', result: null, reason: null },
        now: t0 + 20,
      });
      const events = await store.taskEvents(task.id);
      expect(events.map((e) => [e.from, e.to, e.nodeId, e.at])).toEqual([
        [null, 'pending', 'peeler-node', t0],
        ['pending', 'running', 'node-a', t0],
        ['running', 'pending', 'node-a', t0 + 5],
        ['pending', 'running', 'node-b', t0 + 10],
        ['running', 'completed', 'node-b', t0 + 20],
      ]);
      expect(events.map((e) => e.fence)).toEqual([0, 1, 1, 2, 2]);
    });
  });
}
