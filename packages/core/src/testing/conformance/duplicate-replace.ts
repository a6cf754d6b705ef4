import { describe, expect, it } from 'vitest';
import { LEASE, makePolicies, OWNER_A, OWNER_B, type ConformanceContext } from '../fixtures.js';

/**
 * The duplicate policy `replace`: a newer task asks the running one to cancel and starts only
 * once the run slot is free (the holder ended, or repair took back a dead node's holder).
 */
export function describeDuplicateReplace(ctx: ConformanceContext): void {
  describe('duplicate policy replace', () => {
    const replace = { policies: makePolicies({ duplicate: 'replace' }) };

    it('a replace claim while the holder runs asks the holder to cancel and starts nothing; once the holder is committed cancelled, the next claim starts the new task', async () => {
      const { store, t0, seed, claim, finishAsA } = ctx;
      const { tasks } = await seed({ schedule: replace, tasks: [{ dueAt: t0 }, { dueAt: t0 + 1000 }] });
      const [first] = (await claim()).started;
      expect(first?.id).toBe(tasks[0]?.id);
      const ref = { id: first?.id ?? '', fence: first?.fence ?? 0 };
      const newer = tasks[1]?.id ?? '';
      const cancelReason = `replaced by task ${newer}`;

      const later = await claim({ owner: OWNER_B, now: t0 + 1000 });
      expect(later).toEqual({ started: [], settled: [] });
      expect(await store.taskGet(ref.id)).toMatchObject({
        state: 'running',
        fence: ref.fence,
        leaseOwner: OWNER_A,
        cancelRequested: true,
        reason: cancelReason,
      });
      expect(await store.taskGet(newer)).toMatchObject({
        state: 'pending',
        attempt: 0,
        dueAt: t0 + LEASE,
        reason: `replacing: waiting for task ${ref.id} to end`,
      });
      expect(await store.taskCancelRequests({ owner: OWNER_A, taskIds: [ref.id] })).toEqual([
        { taskId: ref.id, reason: cancelReason },
      ]);
      // The holder keeps its lease while its attempt ends: renewals report the request.
      const renewal = await store.taskRenewLeases({
        owner: OWNER_A,
        leases: [{ taskId: ref.id, fence: ref.fence }],
        leaseMs: LEASE,
        now: t0 + 1500,
      });
      expect(renewal).toMatchObject({ renewed: [ref.id], lost: [], cancelRequested: [ref.id] });
      expect((await claim({ owner: OWNER_B, now: t0 + 1600 })).started).toEqual([]);

      const reason = `cancelled on request: ${cancelReason}`;
      expect(await finishAsA(ref, { state: 'cancelled', error: null, reason }, t0 + 2000)).toMatchObject({
        state: 'cancelled',
        reason,
      });
      // The finish released the slot and made the waiting task due at once.
      expect((await store.taskGet(newer))?.dueAt).toBe(t0 + 2000);
      const next = await claim({ owner: OWNER_B, now: t0 + 2000 });
      expect(next.started.map((t) => t.id)).toEqual([newer]);
      expect(next.settled).toEqual([]);
      expect((await store.taskEvents(ref.id)).at(-1)).toMatchObject({
        from: 'running',
        to: 'cancelled',
        reason,
        fence: ref.fence,
      });
    });

    it('a holder whose lease expired (node dead) does not block the newer task beyond its lease, and is never run again', async () => {
      const { store, t0, seed, claim, finishAsA } = ctx;
      const { tasks } = await seed({ schedule: replace, tasks: [{ dueAt: t0 }, { dueAt: t0 + 1000 }] });
      const [first] = (await claim()).started;
      const ref = { id: first?.id ?? '', fence: first?.fence ?? 0 };
      const newer = tasks[1]?.id ?? '';
      expect((await claim({ owner: OWNER_B, now: t0 + 1000 })).started).toEqual([]);
      // Past the lease, the holder awaits repair: its fence is still current, so nothing starts.
      const expiredAt = t0 + LEASE + 1;
      expect(await claim({ owner: OWNER_B, now: expiredAt })).toEqual({ started: [], settled: [] });
      const repaired = await store.taskRepairExpired({ nodeId: 'repairer', limit: 10, maxRepairs: 5, now: expiredAt });
      expect(repaired.map((r) => [r.task.id, r.task.state, r.task.reason])).toEqual([
        [
          ref.id,
          'cancelled',
          `repaired: lease of ${OWNER_A} expired; cancelled (a cancel was requested: replaced by task ${newer})`,
        ],
      ]);
      expect((await claim({ owner: OWNER_B, now: expiredAt })).started.map((t) => t.id)).toEqual([newer]);
      // The old attempt can neither renew nor commit, and no claim starts it again.
      const renewal = await store.taskRenewLeases({
        owner: OWNER_A,
        leases: [{ taskId: ref.id, fence: ref.fence }],
        leaseMs: LEASE,
        now: expiredAt + 1,
      });
      expect(renewal.lost).toEqual([ref.id]);
      expect(await finishAsA(ref, { state: 'completed', result: null, reason: null }, expiredAt + 2)).toBeUndefined();
      expect((await claim({ owner: OWNER_A, now: expiredAt + 3 * LEASE })).started.map((t) => t.id)).not.toContain(
        ref.id,
      );
      expect((await store.taskGet(ref.id))?.state).toBe('cancelled');
    });

    it('a holder already expired when the newer task falls due is asked to cancel too: repair settles it cancelled, not due again', async () => {
      const { store, t0, seed, claim } = ctx;
      const { tasks } = await seed({ schedule: replace, tasks: [{ dueAt: t0 }, { dueAt: t0 + LEASE + 10 }] });
      const [first] = (await claim()).started;
      const newer = tasks[1]?.id ?? '';
      const at = t0 + LEASE + 10;
      expect(await claim({ owner: OWNER_B, now: at })).toEqual({ started: [], settled: [] });
      expect(await store.taskGet(first?.id ?? '')).toMatchObject({
        state: 'running',
        cancelRequested: true,
        reason: `replaced by task ${newer}`,
      });
      const repaired = await store.taskRepairExpired({ nodeId: 'repairer', limit: 10, maxRepairs: 5, now: at + 1 });
      expect(repaired.map((r) => r.task.state)).toEqual(['cancelled']);
      expect((await claim({ owner: OWNER_B, now: at + 1 })).started.map((t) => t.id)).toEqual([newer]);
    });

    it('of several due tasks of one schedule claimed together, starts only the newest and skips the older', async () => {
      const { t0, seed, claim } = ctx;
      const { tasks } = await seed({
        schedule: replace,
        tasks: [{ dueAt: t0 - 2000 }, { dueAt: t0 - 1000 }, { dueAt: t0 }],
      });
      const { started, settled } = await claim();
      expect(started.map((t) => t.id)).toEqual([tasks[2]?.id]);
      expect(settled.map((t) => [t.id, t.state, t.reason]).sort()).toEqual(
        [
          [tasks[0]?.id, 'skipped', `skipped: replaced by newer task ${tasks[2]?.id}`],
          [tasks[1]?.id, 'skipped', `skipped: replaced by newer task ${tasks[2]?.id}`],
        ].sort(),
      );
    });

    it('takes a free slot without cancelling anything, and frees it when the run finishes', async () => {
      const { t0, seed, claim, finishAsA } = ctx;
      const { tasks } = await seed({ schedule: replace, tasks: [{ dueAt: t0 }, { dueAt: t0 + 1000 }] });
      const first = await claim();
      expect(first.settled).toEqual([]);
      const [running] = first.started;
      await finishAsA(
        { id: running?.id ?? '', fence: running?.fence ?? 0 },
        { state: 'completed', result: null, reason: null },
        t0 + 500,
      );
      const later = await claim({ owner: OWNER_B, now: t0 + 1000 });
      expect(later.settled).toEqual([]);
      expect(later.started.map((t) => t.id)).toEqual([tasks[1]?.id]);
    });

    it('a third task falling due while one waits: once the holder ends only the newest starts, the waiting one is skipped', async () => {
      const { store, t0, seed, claim, finishAsA } = ctx;
      const { tasks } = await seed({
        schedule: replace,
        tasks: [{ dueAt: t0 }, { dueAt: t0 + 1000 }, { dueAt: t0 + 2000 }],
      });
      const [first] = (await claim()).started;
      await claim({ owner: OWNER_B, now: t0 + 1000 });
      expect(await claim({ owner: OWNER_B, now: t0 + 2000 })).toEqual({ started: [], settled: [] });
      // The first request stands.
      expect((await store.taskGet(first?.id ?? ''))?.reason).toBe(`replaced by task ${tasks[1]?.id}`);
      await finishAsA(
        { id: first?.id ?? '', fence: first?.fence ?? 0 },
        { state: 'cancelled', error: null, reason: null },
        t0 + 2500,
      );
      const next = await claim({ owner: OWNER_A, now: t0 + 2500 });
      expect(next.started.map((t) => t.id)).toEqual([tasks[2]?.id]);
      expect(next.settled.map((t) => [t.id, t.state, t.reason])).toEqual([
        [tasks[1]?.id, 'skipped', `skipped: replaced by newer task ${tasks[2]?.id}`],
      ]);
    });
  });
}
