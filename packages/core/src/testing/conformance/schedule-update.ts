import { describe, expect, it } from 'vitest';
import { DuplicateKeyError } from '../../errors/duplicate-key-error.js';
import { LEASE, makePolicies, makeSchedule, type ConformanceContext } from '../fixtures.js';
import { schedulePeelOne } from '../one-of-many.js';

/** Updating a schedule's definition: the row, its lease, and the tasks peeled ahead under the old one. */
export function describeScheduleUpdate(ctx: ConformanceContext): void {
  describe('schedule update', () => {
    it('replaces the definition and next fire time, and takes the lease away so a peel under way writes nothing', async () => {
      const { store, t0 } = ctx;
      const s = makeSchedule({ nextFireAt: t0 });
      await store.scheduleCreate(s);
      const [claimed] = await store.scheduleClaimDue({
        owner: 'peeler',
        limit: 10,
        lookaheadMs: 0,
        leaseMs: LEASE,
        now: t0,
      });
      expect(claimed?.id).toBe(s.id);
      const definition = {
        name: 'Renamed',
        executor: 'other-executor',
        payload: { v: 2 },
        trigger: { kind: 'interval' as const, everyMs: 5_000, anchor: t0 },
        startAt: null,
        endAt: t0 + 3_600_000,
        policies: makePolicies({ duplicate: 'skip', priority: 4 }),
      };
      const updated = await store.scheduleUpdate({ id: s.id, definition, nextFireAt: t0 + 5_000, now: t0 + 100 });
      expect(updated).toMatchObject({
        ...definition,
        nextFireAt: t0 + 5_000,
        leaseOwner: null,
        leaseExpiresAt: null,
        fence: (claimed?.fence ?? 0) + 1,
      });
      expect(await store.scheduleGetByName('renamed')).toMatchObject({ id: s.id, name: 'Renamed' });
      // The peel that claimed it before the update is refused.
      const late = await schedulePeelOne(store, {
        scheduleId: s.id,
        owner: 'peeler',
        fence: claimed?.fence ?? 0,
        tasks: [],
        nextFireAt: t0 + 1_000,
        gateTaskId: null,
        nodeId: 'n',
        now: t0 + 200,
      });
      expect(late.ok).toBe(false);
      expect((await store.scheduleGet(s.id))?.nextFireAt).toBe(t0 + 5_000);
    });

    it('withdraws the tasks peeled ahead that have not fallen due, and keeps those due or running', async () => {
      const { store, t0, seed, claim } = ctx;
      const { schedule, tasks } = await seed({
        tasks: [
          { fireAt: t0 - 1_000, dueAt: t0 - 1_000 },
          { fireAt: t0, dueAt: t0 },
          { fireAt: t0 + 10_000, dueAt: t0 + 10_000 },
          { fireAt: t0 + 20_000, dueAt: t0 + 20_000 },
        ],
      });
      const started = (await claim({ limit: 1 })).started;
      expect(started.map((t) => t.id)).toEqual([tasks[0]?.id]);
      const { name, executor, payload, trigger, startAt, endAt, policies } = schedule;
      await store.scheduleUpdate({
        id: schedule.id,
        definition: { name, executor, payload, trigger, startAt, endAt, policies },
        nextFireAt: t0 + 60_000,
        now: t0 + 1,
      });
      const left = await store.taskList({ scheduleId: schedule.id, limit: 10 });
      expect(left.map((t) => t.id).sort()).toEqual([tasks[0]?.id, tasks[1]?.id].sort());
      expect(await store.taskEvents(tasks[2]?.id ?? '')).toEqual([]);
      expect((await store.taskGet(tasks[0]?.id ?? ''))?.state).toBe('running');
    });

    it('refuses a name another schedule holds, and leaves a retired schedule alone', async () => {
      const { store, t0 } = ctx;
      const a = makeSchedule({ name: 'First' });
      const b = makeSchedule({ name: 'Second' });
      await store.scheduleCreate(a);
      await store.scheduleCreate(b);
      const { executor, payload, trigger, startAt, endAt, policies } = b;
      await expect(
        store.scheduleUpdate({
          id: b.id,
          definition: { name: 'FIRST', executor, payload, trigger, startAt, endAt, policies },
          nextFireAt: null,
          now: t0,
        }),
      ).rejects.toMatchObject({
        constructor: DuplicateKeyError,
        field: 'name',
      });
      expect((await store.scheduleGet(b.id))?.name).toBe('Second');
      await store.scheduleSetState({ id: b.id, state: 'retired', nextFireAt: null, now: t0 });
      expect(
        await store.scheduleUpdate({
          id: b.id,
          definition: { name: 'Third', executor, payload, trigger, startAt, endAt, policies },
          nextFireAt: t0,
          now: t0,
        }),
      ).toBeUndefined();
      expect(
        await store.scheduleUpdate({
          id: 'no-such-schedule',
          definition: { name: 'Fourth', executor, payload, trigger, startAt, endAt, policies },
          nextFireAt: t0,
          now: t0,
        }),
      ).toBeUndefined();
    });
  });
}
