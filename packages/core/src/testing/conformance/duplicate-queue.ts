import { describe, expect, it } from 'vitest';
import { LEASE, makePolicies, OWNER_A, OWNER_B, type ConformanceContext } from '../fixtures.js';

/** The duplicate policy `queue`: one run at a time, at most one task waiting for it, the rest skipped. */
export function describeDuplicateQueue(ctx: ConformanceContext): void {
  describe('duplicate policy queue', () => {
    const queue = { policies: makePolicies({ duplicate: 'queue' }) };

    it('keeps a task that falls due while the slot is busy pending, due again at the holder lease expiry', async () => {
      const { store, t0, seed, claim } = ctx;
      const { tasks } = await seed({ schedule: queue, tasks: [{ dueAt: t0 }, { dueAt: t0 + 1000 }] });
      const [first] = (await claim()).started;
      expect(first?.id).toBe(tasks[0]?.id);
      const later = await claim({ owner: OWNER_B, now: t0 + 1000 });
      expect(later.started).toEqual([]);
      expect(later.settled).toEqual([]);
      const waiting = await store.taskGet(tasks[1]?.id ?? '');
      expect(waiting).toMatchObject({ state: 'pending', attempt: 0, dueAt: t0 + LEASE });
      expect(waiting?.reason).toBe(`queued: waiting for task ${first?.id}`);
      // Not picked again before then.
      expect((await claim({ owner: OWNER_B, now: t0 + 2000 })).started).toEqual([]);
    });

    it('starts the waiting task as soon as the holder finishes', async () => {
      const { t0, seed, claim, finishAsA } = ctx;
      const { tasks } = await seed({ schedule: queue, tasks: [{ dueAt: t0 }, { dueAt: t0 + 1000 }] });
      const [first] = (await claim()).started;
      await claim({ owner: OWNER_B, now: t0 + 1000 });
      await finishAsA(
        { id: first?.id ?? '', fence: first?.fence ?? 0 },
        { state: 'completed', result: null, reason: null },
        t0 + 1500,
      );
      const next = await claim({ owner: OWNER_B, now: t0 + 1600 });
      expect(next.started.map((t) => t.id)).toEqual([tasks[1]?.id]);
    });

    it('holds at most one waiting task: a third one is skipped, naming the waiting one', async () => {
      const { store, t0, seed, claim } = ctx;
      const { tasks } = await seed({
        schedule: queue,
        tasks: [{ dueAt: t0 }, { dueAt: t0 + 1000 }, { dueAt: t0 + 2000 }],
      });
      await claim();
      await claim({ owner: OWNER_B, now: t0 + 1000 });
      const third = await claim({ owner: OWNER_B, now: t0 + 2000 });
      expect(third.started).toEqual([]);
      expect(third.settled.map((t) => [t.id, t.state, t.reason])).toEqual([
        [tasks[2]?.id, 'skipped', `skipped: task ${tasks[1]?.id} is already queued behind task ${tasks[0]?.id}`],
      ]);
      expect((await store.taskEvents(tasks[2]?.id ?? '')).at(-1)).toMatchObject({
        from: 'pending',
        to: 'skipped',
        reason: `skipped: task ${tasks[1]?.id} is already queued behind task ${tasks[0]?.id}`,
      });
    });

    it('of three due tasks claimed together, starts the oldest, queues the next and skips the last', async () => {
      const { store, t0, seed, claim } = ctx;
      const { tasks } = await seed({
        schedule: queue,
        tasks: [{ dueAt: t0 - 2000 }, { dueAt: t0 - 1000 }, { dueAt: t0 }],
      });
      const { started, settled } = await claim();
      expect(started.map((t) => t.id)).toEqual([tasks[0]?.id]);
      expect(settled.map((t) => [t.id, t.state])).toEqual([[tasks[2]?.id, 'skipped']]);
      expect(await store.taskGet(tasks[1]?.id ?? '')).toMatchObject({ state: 'pending', dueAt: t0 + LEASE });
    });

    it('keeps the waiting task pending while an expired holder awaits repair, and lets it through once repair has taken the holder back', async () => {
      const { store, t0, seed, claim } = ctx;
      const { tasks } = await seed({ schedule: queue, tasks: [{ dueAt: t0 }, { dueAt: t0 + 1000 }] });
      await claim();
      await claim({ owner: OWNER_B, now: t0 + 1000 });
      const expired = await claim({ owner: OWNER_B, now: t0 + LEASE + 1 });
      expect(expired.started).toEqual([]);
      expect(expired.settled).toEqual([]);
      expect((await store.taskGet(tasks[1]?.id ?? ''))?.state).toBe('pending');
      await store.taskRepairExpired({ nodeId: 'repairer', limit: 10, maxRepairs: 5, now: t0 + LEASE + 2 });
      const after = await claim({ owner: OWNER_B, now: t0 + LEASE + 2 });
      expect(after.started.length).toBe(1);
    });

    it('after repair takes the holder back, one of the two runs and the other waits: nothing is skipped or lost', async () => {
      const { store, t0, seed, claim } = ctx;
      const { tasks } = await seed({ schedule: queue, tasks: [{ dueAt: t0 }, { dueAt: t0 + 1000 }] });
      await claim({ owner: OWNER_A });
      await claim({ owner: OWNER_B, now: t0 + 1000 });
      const repairAt = t0 + LEASE + 1;
      await store.taskRepairExpired({ nodeId: 'repairer', limit: 10, maxRepairs: 5, now: repairAt });
      const after = await claim({ owner: OWNER_B, now: repairAt });
      // The waiting task was due first (at the old lease's expiry), so it takes the slot; the
      // repaired one, due again at the repair, waits behind it.
      expect(after.started.map((t) => [t.id, t.attempt])).toEqual([[tasks[1]?.id, 1]]);
      expect(after.settled).toEqual([]);
      expect(await store.taskGet(tasks[0]?.id ?? '')).toMatchObject({
        state: 'pending',
        attempt: 1,
        dueAt: repairAt + LEASE,
      });
    });
  });
}
