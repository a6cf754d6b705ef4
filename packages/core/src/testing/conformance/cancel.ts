import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LEASE, OWNER_A, type ConformanceContext } from '../fixtures.js';

/** Cancel requests: pending, running and terminal tasks. */
export function describeCancel(ctx: ConformanceContext): void {
  describe('cancel', () => {
    it('cancels a pending task at once', async () => {
      const { store, t0, seed, claim } = ctx;
      const { tasks } = await seed({ tasks: [{ dueAt: t0 + 1000 }] });
      const id = tasks[0]?.id ?? '';
      const cancelled = await store.taskRequestCancel({ taskId: id, reason: 'operator', now: t0 + 1 });
      expect(cancelled).toMatchObject({
        id,
        state: 'cancelled',
        cancelRequested: true,
        reason: 'operator',
        endedAt: t0 + 1,
      });
      expect((await store.taskEvents(id)).at(-1)).toMatchObject({
        from: 'pending',
        to: 'cancelled',
        at: t0 + 1,
        reason: 'operator',
      });
      expect((await claim({ now: t0 + 2000 })).started).toEqual([]);
    });

    it('asks a running task to stop; its node sees the request on renewal', async () => {
      const { store, t0, running } = ctx;
      const { task } = await running();
      const asked = await store.taskRequestCancel({ taskId: task.id, reason: 'operator', now: t0 + 1 });
      expect(asked).toMatchObject({ id: task.id, state: 'running', cancelRequested: true, leaseOwner: OWNER_A });
      const r = await store.taskRenewLeases({
        owner: OWNER_A,
        leases: [{ taskId: task.id, fence: task.fence }],
        leaseMs: LEASE,
        now: t0 + 2,
      });
      expect(r).toMatchObject({ renewed: [task.id], cancelRequested: [task.id] });
    });

    it("reports the cancel requests among an owner's running tasks, with their reason", async () => {
      const { store, t0, running } = ctx;
      const { task } = await running();
      const ids = [task.id, randomUUID()];
      expect(await store.taskCancelRequests({ owner: OWNER_A, taskIds: ids })).toEqual([]);
      await store.taskRequestCancel({ taskId: task.id, reason: 'operator', now: t0 + 1 });
      expect(await store.taskCancelRequests({ owner: OWNER_A, taskIds: ids })).toEqual([
        { taskId: task.id, reason: 'operator' },
      ]);
      expect(await store.taskCancelRequests({ owner: 'someone-else', taskIds: ids })).toEqual([]);
      expect(await store.taskCancelRequests({ owner: OWNER_A, taskIds: [] })).toEqual([]);
    });

    it('leaves a terminal task alone and returns undefined for an unknown one', async () => {
      const { store, t0, running, finishAsA } = ctx;
      const { task } = await running();
      const done = await finishAsA(task, { state: 'completed', result: null, reason: null }, t0 + 1);
      const after = await store.taskRequestCancel({ taskId: task.id, reason: 'late', now: t0 + 2 });
      expect(after?.state).toBe('completed');
      expect(after?.endedAt).toBe(done?.endedAt);
      expect(await store.taskRequestCancel({ taskId: randomUUID(), reason: 'x' })).toBeUndefined();
    });
  });
}
