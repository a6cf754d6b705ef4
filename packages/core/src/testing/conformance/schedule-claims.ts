import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LEASE, makePolicies, makeSchedule, OWNER_A, OWNER_B, type ConformanceContext } from '../fixtures.js';

/** Claiming due schedules: which are due, limit and order, live vs expired leases, concurrent claimers. */
export function describeScheduleClaims(ctx: ConformanceContext): void {
  describe('schedule claims', () => {
    it('claims due, active, ungated schedules with owner, expiry and fence + 1', async () => {
      const { store, t0 } = ctx;
      const due = makeSchedule({ nextFireAt: t0 - 5 });
      const soon = makeSchedule({ nextFireAt: t0 + 500 });
      const later = makeSchedule({ nextFireAt: t0 + 5000 });
      const paused = makeSchedule({ nextFireAt: t0, state: 'paused' });
      const retired = makeSchedule({ nextFireAt: t0, state: 'retired' });
      const none = makeSchedule({ nextFireAt: null });
      const gated = makeSchedule({
        nextFireAt: t0,
        gateTaskId: randomUUID(),
        policies: makePolicies({ taskCreation: 'on-end' }),
      });
      for (const s of [due, soon, later, paused, retired, none, gated]) await store.scheduleCreate(s);
      const claimed = await store.scheduleClaimDue({
        owner: OWNER_A,
        limit: 10,
        lookaheadMs: 1000,
        leaseMs: LEASE,
        now: t0,
      });
      expect(claimed.map((s) => s.id).sort()).toEqual([due.id, soon.id].sort());
      for (const s of claimed) expect(s).toMatchObject({ leaseOwner: OWNER_A, leaseExpiresAt: t0 + LEASE, fence: 1 });
      expect(await store.scheduleGet(due.id)).toMatchObject({ leaseOwner: OWNER_A, fence: 1 });
    });

    it('honours the limit, earliest next fire time first', async () => {
      const { store, t0 } = ctx;
      const schedules = [3, 1, 2].map((k) => makeSchedule({ nextFireAt: t0 - 1000 * k }));
      for (const s of schedules) await store.scheduleCreate(s);
      const claimed = await store.scheduleClaimDue({
        owner: OWNER_A,
        limit: 2,
        lookaheadMs: 0,
        leaseMs: LEASE,
        now: t0,
      });
      expect(claimed.map((s) => s.nextFireAt)).toEqual([t0 - 3000, t0 - 2000]);
    });

    it('does not take a live lease, and takes an expired one with fence + 1', async () => {
      const { store, t0 } = ctx;
      const s = makeSchedule({ nextFireAt: t0 });
      await store.scheduleCreate(s);
      await store.scheduleClaimDue({ owner: OWNER_A, limit: 10, lookaheadMs: 0, leaseMs: LEASE, now: t0 });
      const early = await store.scheduleClaimDue({
        owner: OWNER_B,
        limit: 10,
        lookaheadMs: 0,
        leaseMs: LEASE,
        now: t0 + LEASE - 1,
      });
      expect(early).toEqual([]);
      const late = await store.scheduleClaimDue({
        owner: OWNER_B,
        limit: 10,
        lookaheadMs: 0,
        leaseMs: LEASE,
        now: t0 + LEASE + 1,
      });
      expect(late).toHaveLength(1);
      expect(late[0]).toMatchObject({
        id: s.id,
        leaseOwner: OWNER_B,
        fence: 2,
        leaseExpiresAt: t0 + LEASE + 1 + LEASE,
      });
    });

    it('stamps the claimed schedules with the instant of the claim as updatedAt, by the store clock unless now is given', async () => {
      const { store, t0 } = ctx;
      const schedules = [1, 2, 3].map((k) => makeSchedule({ nextFireAt: t0 - 1000 * k }));
      for (const s of schedules) await store.scheduleCreate(s);
      const claimed = await store.scheduleClaimDue({ owner: OWNER_A, limit: 10, lookaheadMs: 0, leaseMs: LEASE });
      const after = await store.clockNow();
      expect(claimed).toHaveLength(3);
      const [instant, ...others] = new Set(claimed.map((s) => s.updatedAt));
      expect(others).toEqual([]);
      expect(instant).toBeGreaterThanOrEqual(t0);
      expect(instant).toBeLessThanOrEqual(after);
      for (const s of claimed) expect(s.leaseExpiresAt).toBe(s.updatedAt + LEASE);
      const pinned = makeSchedule({ nextFireAt: t0 });
      await store.scheduleCreate(pinned);
      const [again] = await store.scheduleClaimDue({
        owner: OWNER_B,
        limit: 10,
        lookaheadMs: 0,
        leaseMs: LEASE,
        now: t0 + 5,
      });
      expect(again).toMatchObject({ id: pinned.id, updatedAt: t0 + 5 });
    });

    it('four concurrent claims never return the same schedule and together take all due ones', async () => {
      const { store, t0 } = ctx;
      const schedules = Array.from({ length: 10 }, () => makeSchedule({ nextFireAt: t0 - 1 }));
      for (const s of schedules) await store.scheduleCreate(s);
      const results = await Promise.all(
        [1, 2, 3, 4].map((i) =>
          store.scheduleClaimDue({ owner: `owner-${i}`, limit: 3, lookaheadMs: 0, leaseMs: LEASE, now: t0 }),
        ),
      );
      const ids = results.flat().map((s) => s.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.sort()).toEqual(schedules.map((s) => s.id).sort());
    });
  });
}
