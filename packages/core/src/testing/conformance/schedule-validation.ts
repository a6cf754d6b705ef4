import { describe, expect, it } from 'vitest';
import { FIXTURE_EPOCH, LEASE, makeSchedule, OWNER_A, OWNER_B, type ConformanceContext } from '../fixtures.js';

/**
 * Schedules submitted with a client id: the `pending-validation` state is never peeled nor
 * changed by pause/resume, the validation claim (executors, order, leases, concurrent
 * claimers), the fenced verdict, and a client's listing.
 */
export function describeScheduleValidation(ctx: ConformanceContext): void {
  describe('schedule validation', () => {
    const submitted = (overrides: Parameters<typeof makeSchedule>[0] = {}) =>
      makeSchedule({ executor: ctx.exec, state: 'pending-validation', clientId: 'client-1', ...overrides });

    it('round-trips the client id and a verdict field for field', async () => {
      const { store, t0 } = ctx;
      const s = submitted({
        state: 'rejected',
        validation: { by: 'node-x', at: t0, field: 'payload.command', reason: "payload.command: 'x' not found" },
      });
      expect(await store.scheduleCreate(s)).toEqual(s);
      expect(await store.scheduleGet(s.id)).toEqual(s);
    });

    it('never peels a schedule pending validation, and pause or resume do not touch it', async () => {
      const { store, t0 } = ctx;
      const s = submitted({ nextFireAt: t0 });
      await store.scheduleCreate(s);
      expect(
        await store.scheduleClaimDue({ owner: OWNER_A, limit: 10, lookaheadMs: 0, leaseMs: LEASE, now: t0 }),
      ).toEqual([]);
      expect(await store.scheduleSetState({ id: s.id, state: 'active', nextFireAt: t0, now: t0 })).toBeUndefined();
      expect(await store.scheduleSetState({ id: s.id, state: 'paused', now: t0 })).toBeUndefined();
      expect(await store.scheduleGet(s.id)).toMatchObject({ state: 'pending-validation', fence: 0 });
    });

    it('claims pending schedules of the given executors only, oldest submission first, with owner, expiry and fence + 1', async () => {
      const { store, t0, exec } = ctx;
      const older = submitted({ createdAt: FIXTURE_EPOCH });
      const newer = submitted({ createdAt: FIXTURE_EPOCH + 10 });
      const newest = submitted({ createdAt: FIXTURE_EPOCH + 20 });
      const otherExecutor = submitted({ executor: `${exec}-other` });
      const active = makeSchedule({ executor: exec, clientId: 'client-1' });
      for (const s of [newest, older, otherExecutor, newer, active]) await store.scheduleCreate(s);
      const claimed = await store.scheduleClaimValidation({
        owner: OWNER_A,
        executors: [exec],
        limit: 2,
        leaseMs: LEASE,
        now: t0,
      });
      expect(claimed.map((s) => s.id)).toEqual([older.id, newer.id]);
      for (const s of claimed)
        expect(s).toMatchObject({
          leaseOwner: OWNER_A,
          leaseExpiresAt: t0 + LEASE,
          fence: 1,
          state: 'pending-validation',
        });
      const rest = await store.scheduleClaimValidation({
        owner: OWNER_A,
        executors: [exec],
        limit: 10,
        leaseMs: LEASE,
        now: t0,
      });
      expect(rest.map((s) => s.id)).toEqual([newest.id]);
      expect(
        await store.scheduleClaimValidation({ owner: OWNER_A, executors: [], limit: 10, leaseMs: LEASE, now: t0 }),
      ).toEqual([]);
    });

    it('does not take a live lease, and takes an expired one with fence + 1', async () => {
      const { store, t0, exec } = ctx;
      const s = submitted();
      await store.scheduleCreate(s);
      await store.scheduleClaimValidation({ owner: OWNER_A, executors: [exec], limit: 10, leaseMs: LEASE, now: t0 });
      expect(
        await store.scheduleClaimValidation({
          owner: OWNER_B,
          executors: [exec],
          limit: 10,
          leaseMs: LEASE,
          now: t0 + LEASE - 1,
        }),
      ).toEqual([]);
      const late = await store.scheduleClaimValidation({
        owner: OWNER_B,
        executors: [exec],
        limit: 10,
        leaseMs: LEASE,
        now: t0 + LEASE,
      });
      expect(late).toHaveLength(1);
      expect(late[0]).toMatchObject({ id: s.id, leaseOwner: OWNER_B, fence: 2 });
    });

    it('four concurrent claims never return the same schedule and together take all', async () => {
      const { store, t0, exec } = ctx;
      const schedules = Array.from({ length: 10 }, () => submitted());
      for (const s of schedules) await store.scheduleCreate(s);
      const results = await Promise.all(
        [1, 2, 3, 4].map((i) =>
          store.scheduleClaimValidation({ owner: `owner-${i}`, executors: [exec], limit: 3, leaseMs: LEASE, now: t0 }),
        ),
      );
      const ids = results.flat().map((s) => s.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.sort()).toEqual(schedules.map((s) => s.id).sort());
    });

    it('activates a claimed schedule with its next fire time, recording the validator; it is then peeled', async () => {
      const { store, t0, exec } = ctx;
      const s = submitted();
      await store.scheduleCreate(s);
      const [c] = await store.scheduleClaimValidation({
        owner: OWNER_A,
        executors: [exec],
        limit: 1,
        leaseMs: LEASE,
        now: t0,
      });
      const done = await store.scheduleValidate({
        scheduleId: s.id,
        owner: OWNER_A,
        fence: c?.fence ?? -1,
        nodeId: 'node-a',
        verdict: { state: 'active', nextFireAt: t0 + 5 },
        now: t0 + 1,
      });
      expect(done).toMatchObject({
        state: 'active',
        nextFireAt: t0 + 5,
        leaseOwner: null,
        leaseExpiresAt: null,
        fence: 1,
        updatedAt: t0 + 1,
        clientId: 'client-1',
        validation: { by: 'node-a', at: t0 + 1, field: null, reason: null },
      });
      expect(await store.scheduleGet(s.id)).toEqual(done);
      const peeled = await store.scheduleClaimDue({
        owner: OWNER_B,
        limit: 10,
        lookaheadMs: 0,
        leaseMs: LEASE,
        now: t0 + 5,
      });
      expect(peeled.map((p) => p.id)).toEqual([s.id]);
    });

    it('rejects a claimed schedule with the field and reason; it is never claimed again nor changed by pause or resume', async () => {
      const { store, t0, exec } = ctx;
      const s = submitted();
      await store.scheduleCreate(s);
      const [c] = await store.scheduleClaimValidation({
        owner: OWNER_A,
        executors: [exec],
        limit: 1,
        leaseMs: LEASE,
        now: t0,
      });
      const done = await store.scheduleValidate({
        scheduleId: s.id,
        owner: OWNER_A,
        fence: c?.fence ?? -1,
        nodeId: 'node-a',
        verdict: { state: 'rejected', field: 'payload.command', reason: "payload.command: 'nope' was not found" },
        now: t0 + 1,
      });
      expect(done).toMatchObject({
        state: 'rejected',
        nextFireAt: null,
        leaseOwner: null,
        validation: {
          by: 'node-a',
          at: t0 + 1,
          field: 'payload.command',
          reason: "payload.command: 'nope' was not found",
        },
      });
      expect(
        await store.scheduleClaimValidation({
          owner: OWNER_B,
          executors: [exec],
          limit: 10,
          leaseMs: LEASE,
          now: t0 + 2 * LEASE,
        }),
      ).toEqual([]);
      expect(
        await store.scheduleClaimDue({ owner: OWNER_B, limit: 10, lookaheadMs: 1e9, leaseMs: LEASE, now: t0 + 2 }),
      ).toEqual([]);
      expect(await store.scheduleSetState({ id: s.id, state: 'active', nextFireAt: t0, now: t0 + 3 })).toBeUndefined();
      expect(await store.scheduleGet(s.id)).toEqual(done);
    });

    it('writes no verdict under a stale fence, another owner or an expired lease', async () => {
      const { store, t0, exec } = ctx;
      const s = submitted();
      await store.scheduleCreate(s);
      const [first] = await store.scheduleClaimValidation({
        owner: OWNER_A,
        executors: [exec],
        limit: 1,
        leaseMs: LEASE,
        now: t0,
      });
      const verdict = { state: 'active', nextFireAt: t0 } as const;
      const base = { scheduleId: s.id, nodeId: 'node-a', verdict };
      expect(
        await store.scheduleValidate({ ...base, owner: OWNER_A, fence: first?.fence ?? -1, now: t0 + LEASE }),
      ).toBeUndefined();
      const [second] = await store.scheduleClaimValidation({
        owner: OWNER_B,
        executors: [exec],
        limit: 1,
        leaseMs: LEASE,
        now: t0 + LEASE,
      });
      expect(
        await store.scheduleValidate({ ...base, owner: OWNER_A, fence: first?.fence ?? -1, now: t0 + LEASE + 1 }),
      ).toBeUndefined();
      expect(
        await store.scheduleValidate({ ...base, owner: OWNER_A, fence: second?.fence ?? -1, now: t0 + LEASE + 1 }),
      ).toBeUndefined();
      expect(await store.scheduleGet(s.id)).toMatchObject({
        state: 'pending-validation',
        validation: null,
        leaseOwner: OWNER_B,
        fence: 2,
      });
      expect(
        await store.scheduleValidate({ ...base, owner: OWNER_B, fence: second?.fence ?? -1, now: t0 + LEASE + 1 }),
      ).toMatchObject({ state: 'active' });
    });

    it("lists one client's submissions, oldest first, limited", async () => {
      const { store } = ctx;
      const a1 = submitted({ clientId: 'client-a', createdAt: FIXTURE_EPOCH + 1 });
      const a2 = submitted({ clientId: 'client-a', createdAt: FIXTURE_EPOCH + 2, state: 'rejected' });
      const a0 = submitted({ clientId: 'client-a', createdAt: FIXTURE_EPOCH });
      const b = submitted({ clientId: 'client-b' });
      const none = makeSchedule();
      for (const s of [a1, b, a2, none, a0]) await store.scheduleCreate(s);
      expect((await store.scheduleListByClient({ clientId: 'client-a' })).map((s) => s.id)).toEqual([
        a0.id,
        a1.id,
        a2.id,
      ]);
      expect((await store.scheduleListByClient({ clientId: 'client-a', limit: 2 })).map((s) => s.id)).toEqual([
        a0.id,
        a1.id,
      ]);
      expect(await store.scheduleListByClient({ clientId: 'client-c' })).toEqual([]);
    });
  });
}
