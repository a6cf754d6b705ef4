import { describe, expect, it } from 'vitest';
import { LEASE, OWNER_A, type ConformanceContext } from '../fixtures.js';

/**
 * The store's clock: `clockNow()`, and due-ness, leases and renewals judged by it when `now` is
 * omitted; `now` overrides.
 */
export function describeClock(ctx: ConformanceContext): void {
  describe('clock', () => {
    it.skipIf(!ctx.realClock)('clockNow() follows the real clock (within 5 s)', async () => {
      const { store } = ctx;
      expect(Math.abs((await store.clockNow()) - Date.now())).toBeLessThan(5000);
    });

    it('without now, due-ness is judged by the store clock', async () => {
      const { t0, seed, claim } = ctx;
      const dueAt = t0 + 3_600_000;
      const { tasks } = await seed({ tasks: [{ dueAt }] });
      expect((await claim({ now: undefined })).started).toEqual([]);
      const { started } = await claim({ now: dueAt });
      expect(started.map((t) => t.id)).toEqual([tasks[0]?.id]);
    });

    it('without now, a lease runs from the store clock and renewals are judged by it', async () => {
      const { store, t0, seed, claim } = ctx;
      const { tasks } = await seed({ tasks: [{ dueAt: t0 - 1000 }] });
      const { started } = await claim({ now: undefined });
      const task = started[0];
      expect(task?.id).toBe(tasks[0]?.id);
      const after = await store.clockNow();
      expect(task?.leaseExpiresAt).toBeGreaterThanOrEqual(t0 + LEASE);
      expect(task?.leaseExpiresAt).toBeLessThanOrEqual(after + LEASE);
      const renewal = await store.taskRenewLeases({
        owner: OWNER_A,
        leases: [{ taskId: task?.id ?? '', fence: task?.fence ?? 0 }],
        leaseMs: LEASE,
      });
      expect(renewal.renewed).toEqual([task?.id]);
      expect(renewal.expiresAt).toBeGreaterThanOrEqual(after + LEASE);
      expect(renewal.expiresAt).toBeLessThanOrEqual((await store.clockNow()) + LEASE);
    });

    it('renew, finish and heartbeat honour the now override', async () => {
      const { store, t0, running, finishAsA } = ctx;
      const { task } = await running();
      expect(task.startedAt).toBe(t0);
      const late = t0 + LEASE + 1;
      const renewal = await store.taskRenewLeases({
        owner: OWNER_A,
        leases: [{ taskId: task.id, fence: task.fence }],
        leaseMs: LEASE,
        now: late,
      });
      expect(renewal.lost).toEqual([task.id]);
      expect(renewal.expiresAt).toBe(late + LEASE);
      const finished = await finishAsA(task, { state: 'completed', result: null, reason: null }, late);
      expect(finished).toBeUndefined();
      expect(await store.nodeHeartbeat({ id: 'nobody', clockOffsetMs: 0, now: 12345 })).toBe(12345);
    });
  });
}
