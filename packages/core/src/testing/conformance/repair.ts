import { describe, expect, it } from 'vitest';
import { LEASE, makePolicies, OWNER_A, OWNER_B, type ConformanceContext } from '../fixtures.js';

/**
 * Repairing expired task leases: back to pending (at-least-once) or abandoned (at-most-once), per-
 * call limit.
 */
export function describeRepair(ctx: ConformanceContext): void {
  describe('repair', () => {
    it('returns an expired at-least-once task to pending, due now, fence + 1, and records who did it', async () => {
      const { store, t0, running, finishAsA } = ctx;
      const { task } = await running();
      expect(
        await store.taskRepairExpired({ nodeId: 'repairer', limit: 10, maxRepairs: 5, now: t0 + LEASE - 1 }),
      ).toEqual([]);
      const repaired = await store.taskRepairExpired({
        nodeId: 'repairer',
        limit: 10,
        maxRepairs: 5,
        now: t0 + LEASE + 1,
      });
      expect(repaired).toHaveLength(1);
      expect(repaired[0]?.previousOwner).toBe(OWNER_A);
      expect(repaired[0]?.task).toMatchObject({
        id: task.id,
        state: 'pending',
        dueAt: t0 + LEASE + 1,
        fence: task.fence + 1,
        leaseOwner: null,
        leaseExpiresAt: null,
        reason: `repaired: lease of ${OWNER_A} expired; due again (at-least-once)`,
      });
      expect(await store.taskGet(task.id)).toEqual(repaired[0]?.task);
      expect((await store.taskEvents(task.id)).at(-1)).toMatchObject({
        from: 'running',
        to: 'pending',
        nodeId: 'repairer',
        reason: `repaired: lease of ${OWNER_A} expired; due again (at-least-once)`,
        at: t0 + LEASE + 1,
        fence: task.fence,
      });
      const stale = await finishAsA(task, { state: 'completed', result: null, reason: null }, t0 + LEASE + 2);
      expect(stale).toBeUndefined();
      expect(await store.taskGet(task.id)).toEqual(repaired[0]?.task);
      expect(
        await store.taskRepairExpired({ nodeId: 'repairer', limit: 10, maxRepairs: 5, now: t0 + LEASE + 2 }),
      ).toEqual([]);
    });

    it('abandons an expired at-most-once task for good', async () => {
      const { store, t0, claim, running } = ctx;
      const { task } = await running({ schedule: { policies: makePolicies({ delivery: 'at-most-once' }) } });
      const [r] = await store.taskRepairExpired({ nodeId: 'repairer', limit: 10, maxRepairs: 5, now: t0 + LEASE + 1 });
      const reason = `repaired: lease of ${OWNER_A} expired; abandoned (at-most-once)`;
      expect(r?.task).toMatchObject({
        id: task.id,
        state: 'abandoned',
        leaseOwner: null,
        fence: task.fence + 1,
        reason,
      });
      expect((await claim({ owner: OWNER_B, now: t0 + LEASE + 10_000 })).started).toEqual([]);
      expect((await store.taskEvents(task.id)).at(-1)).toMatchObject({
        from: 'running',
        to: 'abandoned',
        nodeId: 'repairer',
        reason,
      });
    });

    it('fails a task whose attempts were lost with their node maxRepairs times, instead of running it again', async () => {
      const { store, t0, claim, running } = ctx;
      const { task } = await running();
      const first = await store.taskRepairExpired({
        nodeId: 'repairer',
        limit: 10,
        maxRepairs: 2,
        now: t0 + LEASE + 1,
      });
      expect(first[0]?.task).toMatchObject({ id: task.id, state: 'pending', repairs: 1 });
      const { started } = await claim({ owner: OWNER_B, now: t0 + LEASE + 2 });
      expect(started.map((t) => t.id)).toEqual([task.id]);
      const second = await store.taskRepairExpired({
        nodeId: 'repairer',
        limit: 10,
        maxRepairs: 2,
        now: t0 + 2 * LEASE + 3,
      });
      expect(second[0]?.task).toMatchObject({ id: task.id, state: 'failed', repairs: 2, leaseOwner: null });
      expect(second[0]?.task.reason).toBe(
        `repaired: lease of ${OWNER_B} expired; failed: its attempts were lost with their node 2 times`,
      );
      expect((await claim({ owner: OWNER_A, now: t0 + 10 * LEASE })).started).toEqual([]);
      expect((await store.taskEvents(task.id)).at(-1)).toMatchObject({
        from: 'running',
        to: 'failed',
        nodeId: 'repairer',
      });
    });

    it('cancels, rather than reruns, an expired task whose cancel was requested', async () => {
      const { store, t0, claim, running } = ctx;
      const { task } = await running();
      await store.taskRequestCancel({ taskId: task.id, reason: 'operator', now: t0 + 1 });
      const [r] = await store.taskRepairExpired({ nodeId: 'repairer', limit: 10, maxRepairs: 5, now: t0 + LEASE + 1 });
      expect(r?.task).toMatchObject({
        id: task.id,
        state: 'cancelled',
        leaseOwner: null,
        reason: `repaired: lease of ${OWNER_A} expired; cancelled (a cancel was requested: operator)`,
      });
      expect((await claim({ owner: OWNER_B, now: t0 + LEASE + 2 })).started).toEqual([]);
    });

    it('repairs at most limit tasks per call', async () => {
      const { store, t0, seed, claim } = ctx;
      await seed({ tasks: [{}, {}, {}] });
      expect((await claim()).started).toHaveLength(3);
      const now = t0 + LEASE + 1;
      expect(await store.taskRepairExpired({ nodeId: 'r', limit: 2, maxRepairs: 5, now })).toHaveLength(2);
      expect(await store.taskRepairExpired({ nodeId: 'r', limit: 2, maxRepairs: 5, now })).toHaveLength(1);
      expect(await store.taskRepairExpired({ nodeId: 'r', limit: 2, maxRepairs: 5, now })).toHaveLength(0);
    });

    it('answers the store clock, the next lease expiry of the running tasks, and whether one is repairable already', async () => {
      const { store, t0, seed, claim, finishAsA } = ctx;
      const before = await store.clockNow();
      const idle = await store.taskLeaseHorizon();
      expect(idle).toMatchObject({ nextExpiryAt: null, repairable: false });
      expect(idle.now).toBeGreaterThanOrEqual(before);
      expect(idle.now).toBeLessThanOrEqual(await store.clockNow());
      // Leases granted from the store clock, each 100 ms longer than the one before, so they expire in claim order.
      const { tasks } = await seed({ tasks: [{ dueAt: t0 - 1000 }, { dueAt: t0 - 1000 }, { dueAt: t0 - 1000 }] });
      const from = await store.clockNow();
      const [first, second, third] = (await claim({ limit: 1, now: undefined })).started.concat(
        (await claim({ limit: 1, now: undefined, leaseMs: LEASE + 100 })).started,
        (await claim({ limit: 1, now: undefined, leaseMs: LEASE + 200 })).started,
      );
      expect([first, second, third].map((t) => t?.id).sort()).toEqual(tasks.map((t) => t.id).sort());
      const running = await store.taskLeaseHorizon();
      expect(running.repairable).toBe(false);
      expect(running.nextExpiryAt).toBe(first?.leaseExpiresAt);
      expect(running.nextExpiryAt).toBeGreaterThanOrEqual(from + LEASE);
      // Renewing the earliest lease makes the next one the earliest.
      await store.taskRenewLeases({
        owner: OWNER_A,
        leases: [{ taskId: first?.id ?? '', fence: first?.fence ?? 0 }],
        leaseMs: LEASE + 1_000,
      });
      expect((await store.taskLeaseHorizon()).nextExpiryAt).toBe(second?.leaseExpiresAt);
      // A task with an external execution may be handed over at any time: repairable already.
      await store.taskSetExecution({
        taskId: third?.id ?? '',
        owner: OWNER_A,
        fence: third?.fence ?? 0,
        executionId: 'exec-1',
      });
      expect(await store.taskLeaseHorizon()).toMatchObject({ nextExpiryAt: second?.leaseExpiresAt, repairable: true });
      // Only running tasks count: a finished one no more.
      await finishAsA(third ?? { id: '', fence: 0 }, { state: 'completed', result: null, reason: null }, from + 400);
      expect(await store.taskLeaseHorizon()).toMatchObject({ nextExpiryAt: second?.leaseExpiresAt, repairable: false });
      // A lease taken over at once (an external execution handed over) is repairable at once.
      await store.taskSetExecution({
        taskId: second?.id ?? '',
        owner: OWNER_A,
        fence: second?.fence ?? 0,
        executionId: 'exec-2',
      });
      await store.taskHandOver({ taskId: second?.id ?? '', owner: OWNER_A, fence: second?.fence ?? 0 });
      expect((await store.taskLeaseHorizon()).repairable).toBe(true);
      // Repair takes back the plain lease; the handed-over execution waits for its adopter.
      await store.taskRepairExpired({ nodeId: 'r', limit: 10, maxRepairs: 5, now: from + LEASE * 10 });
      expect(await store.taskLeaseHorizon()).toMatchObject({ nextExpiryAt: null, repairable: true });
    });
  });
}
