import { describe, expect, it } from 'vitest';
import { LEASE, makePolicies, OWNER_A, OWNER_B, type ConformanceContext } from '../fixtures.js';

/** The duplicate policy `replace`: a newer task takes the run slot and cancels the running one under a new fence. */
export function describeDuplicateReplace(ctx: ConformanceContext): void {
  describe('duplicate policy replace', () => {
    const replace = { policies: makePolicies({ duplicate: 'replace' }) };

    it('cancels the running task when the next one falls due, with a new fence, and starts the new one', async () => {
      const { store, t0, seed, claim } = ctx;
      const { tasks } = await seed({ schedule: replace, tasks: [{ dueAt: t0 }, { dueAt: t0 + 1000 }] });
      const [first] = (await claim()).started;
      expect(first?.id).toBe(tasks[0]?.id);
      const later = await claim({ owner: OWNER_B, now: t0 + 1000 });
      expect(later.started.map((t) => t.id)).toEqual([tasks[1]?.id]);
      expect(later.settled).toHaveLength(1);
      expect(later.settled[0]).toMatchObject({ id: first?.id, state: 'cancelled', fence: (first?.fence ?? 0) + 1, leaseOwner: null, endedAt: t0 + 1000 });
      expect(later.settled[0]?.reason).toContain(tasks[1]?.id ?? '?');
      expect((await store.taskEvents(first?.id ?? '')).at(-1)).toMatchObject({ from: 'running', to: 'cancelled', fence: (first?.fence ?? 0) + 1 });
    });

    it("refuses the replaced attempt's renewal and late outcome (fencing)", async () => {
      const { store, t0, seed, claim, finishAsA } = ctx;
      await seed({ schedule: replace, tasks: [{ dueAt: t0 }, { dueAt: t0 + 1000 }] });
      const [first] = (await claim()).started;
      const ref = { id: first?.id ?? '', fence: first?.fence ?? 0 };
      await claim({ owner: OWNER_B, now: t0 + 1000 });
      const renewal = await store.taskRenewLeases({ owner: OWNER_A, leases: [{ taskId: ref.id, fence: ref.fence }], leaseMs: LEASE, now: t0 + 1500 });
      expect(renewal.lost).toEqual([ref.id]);
      expect(await finishAsA(ref, { state: 'completed', result: null, reason: null }, t0 + 1600)).toBeUndefined();
      expect((await store.taskGet(ref.id))?.state).toBe('cancelled');
    });

    it('of several due tasks of one schedule claimed together, starts only the newest and skips the older', async () => {
      const { t0, seed, claim } = ctx;
      const { tasks } = await seed({ schedule: replace, tasks: [{ dueAt: t0 - 2000 }, { dueAt: t0 - 1000 }, { dueAt: t0 }] });
      const { started, settled } = await claim();
      expect(started.map((t) => t.id)).toEqual([tasks[2]?.id]);
      expect(settled.map((t) => [t.id, t.state]).sort()).toEqual(
        [
          [tasks[0]?.id, 'skipped'],
          [tasks[1]?.id, 'skipped'],
        ].sort(),
      );
    });

    it('takes a free slot without cancelling anything, and frees it when the run finishes', async () => {
      const { t0, seed, claim, finishAsA } = ctx;
      const { tasks } = await seed({ schedule: replace, tasks: [{ dueAt: t0 }, { dueAt: t0 + 1000 }] });
      const first = await claim();
      expect(first.settled).toEqual([]);
      const [running] = first.started;
      await finishAsA({ id: running?.id ?? '', fence: running?.fence ?? 0 }, { state: 'completed', result: null, reason: null }, t0 + 500);
      const later = await claim({ owner: OWNER_B, now: t0 + 1000 });
      expect(later.settled).toEqual([]);
      expect(later.started.map((t) => t.id)).toEqual([tasks[1]?.id]);
    });

    it('holds the slot for the new task: a `skip`-style check by a third task sees it busy', async () => {
      const { t0, seed, claim } = ctx;
      const { tasks } = await seed({ schedule: replace, tasks: [{ dueAt: t0 }, { dueAt: t0 + 1000 }, { dueAt: t0 + 2000 }] });
      await claim();
      await claim({ owner: OWNER_B, now: t0 + 1000 });
      const third = await claim({ owner: OWNER_A, now: t0 + 2000 });
      expect(third.started.map((t) => t.id)).toEqual([tasks[2]?.id]);
      expect(third.settled.map((t) => [t.id, t.state])).toEqual([[tasks[1]?.id, 'cancelled']]);
    });
  });
}
