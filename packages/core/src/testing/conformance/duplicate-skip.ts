import { describe, expect, it } from 'vitest';
import { LEASE, makePolicies, OWNER_A, OWNER_B, type ConformanceContext } from '../fixtures.js';

/** The duplicate policy `skip`: one run slot per schedule, and what holds and frees it. */
export function describeDuplicateSkip(ctx: ConformanceContext): void {
  describe('duplicate policy skip', () => {
    const skip = { policies: makePolicies({ duplicate: 'skip' }) };

    it('of two due tasks of one schedule claimed together, starts one and skips the other', async () => {
      const { store, t0, seed, claim } = ctx;
      const { tasks } = await seed({ schedule: skip, tasks: [{ dueAt: t0 - 2000 }, { dueAt: t0 - 1000 }] });
      const { started, settled } = await claim();
      expect(started.map((t) => t.id)).toEqual([tasks[0]?.id]);
      expect(settled).toHaveLength(1);
      expect(settled[0]).toMatchObject({ id: tasks[1]?.id, state: 'skipped', endedAt: t0, attempt: 0 });
      const reason = `skipped: schedule busy with task ${tasks[0]?.id}`;
      expect(settled[0]?.reason).toBe(reason);
      expect((await store.taskEvents(tasks[1]?.id ?? '')).at(-1)).toMatchObject({
        from: 'pending',
        to: 'skipped',
        nodeId: 'node-a',
        reason,
      });
    });

    it('with duplicate policy run, starts both', async () => {
      const { seed, claim } = ctx;
      await seed({ tasks: [{}, {}] });
      expect((await claim()).started).toHaveLength(2);
    });

    it('skips a task that falls due while a live run holds the slot', async () => {
      const { t0, seed, claim } = ctx;
      const { tasks } = await seed({ schedule: skip, tasks: [{ dueAt: t0 }, { dueAt: t0 + 1000 }] });
      expect((await claim()).started.map((t) => t.id)).toEqual([tasks[0]?.id]);
      const later = await claim({ owner: OWNER_B, now: t0 + 1000 });
      expect(later.started).toEqual([]);
      expect(later.settled.map((t) => [t.id, t.state, t.reason])).toEqual([
        [tasks[1]?.id, 'skipped', `skipped: schedule busy with task ${tasks[0]?.id}`],
      ]);
    });

    it('frees the slot when the run finishes', async () => {
      const { t0, seed, claim, finishAsA } = ctx;
      const { tasks } = await seed({ schedule: skip, tasks: [{ dueAt: t0 }, { dueAt: t0 + 1000 }] });
      const [first] = (await claim()).started;
      const done = await finishAsA(
        { id: first?.id ?? '', fence: first?.fence ?? 0 },
        { state: 'completed', result: null, reason: null },
        t0 + 500,
      );
      expect(done?.state).toBe('completed');
      expect((await claim({ owner: OWNER_B, now: t0 + 1000 })).started.map((t) => t.id)).toEqual([tasks[1]?.id]);
    });

    it('leaves a task pending while the slot holder lease expired but repair has not superseded it, then starts it', async () => {
      // Starting it at once would run it beside an attempt whose fence is still current (a
      // paused node's, which may wake and go on running before it notices).
      const { store, t0, seed, claim } = ctx;
      const { tasks } = await seed({ schedule: skip, tasks: [{ dueAt: t0 }, { dueAt: t0 + LEASE + 1 }] });
      await claim();
      const waiting = await claim({ owner: OWNER_B, now: t0 + LEASE + 1 });
      expect(waiting).toEqual({ started: [], settled: [] });
      expect(await store.taskGet(tasks[1]?.id ?? '')).toMatchObject({ state: 'pending', attempt: 0 });
      await store.taskRepairExpired({ nodeId: 'repairer', limit: 10, maxRepairs: 5, now: t0 + LEASE + 2 });
      const later = await claim({ owner: OWNER_B, now: t0 + LEASE + 3, limit: 1 });
      expect(later.settled).toEqual([]);
      expect(later.started.map((t) => t.id)).toEqual([tasks[1]?.id]);
    });

    it('keeps the slot while the holder renews its lease', async () => {
      const { store, t0, seed, claim } = ctx;
      const { tasks } = await seed({ schedule: skip, tasks: [{ dueAt: t0 }, { dueAt: t0 + 40_000 }] });
      const [first] = (await claim()).started;
      const renewal = await store.taskRenewLeases({
        owner: OWNER_A,
        leases: [{ taskId: first?.id ?? '', fence: first?.fence ?? 0 }],
        leaseMs: LEASE,
        now: t0 + 20_000,
      });
      expect(renewal.renewed).toEqual([first?.id]);
      const later = await claim({ owner: OWNER_B, now: t0 + 40_000 });
      expect(later.started).toEqual([]);
      expect(later.settled.map((t) => [t.id, t.state, t.reason])).toEqual([
        [tasks[1]?.id, 'skipped', `skipped: schedule busy with task ${tasks[0]?.id}`],
      ]);
    });

    it('frees the slot when repair takes the holder back', async () => {
      const { store, t0, seed, claim } = ctx;
      const { tasks } = await seed({ schedule: skip, tasks: [{ dueAt: t0 }, { dueAt: t0 + 40_000 }] });
      await claim();
      const repaired = await store.taskRepairExpired({
        nodeId: 'repairer',
        limit: 10,
        maxRepairs: 5,
        now: t0 + LEASE + 1,
      });
      expect(repaired.map((r) => r.task.id)).toEqual([tasks[0]?.id]);
      const later = await claim({ owner: OWNER_B, now: t0 + 40_000, limit: 1 });
      expect(later.started).toHaveLength(1);
    });
  });
}
