import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DuplicateKeyError } from '../../errors/index.js';
import { makePolicies, makeSchedule, TRICKY_PAYLOAD, type ConformanceContext } from '../fixtures.js';

/**
 * Schedule CRUD: field-for-field round trips, name lookup and uniqueness (case- and NFC-
 * insensitive), listing, state changes, delete.
 */
export function describeSchedules(ctx: ConformanceContext): void {
  describe('schedules', () => {
    it('creates and reads back a schedule field for field', async () => {
      const { store, t0 } = ctx;
      const schedule = makeSchedule({
        payload: TRICKY_PAYLOAD,
        trigger: { kind: 'cron', expr: '*/5 * * * *', tz: 'Europe/Berlin' },
        startAt: t0,
        endAt: t0 + 86_400_000,
        policies: makePolicies({ duplicate: 'skip', priority: 7, startingDeadlineMs: 5000, delivery: 'at-most-once' }),
        nextFireAt: t0 + 1,
        createdAt: t0,
        updatedAt: t0,
      });
      expect(await store.scheduleCreate(schedule)).toEqual(schedule);
      expect(await store.scheduleGet(schedule.id)).toEqual(schedule);
    });

    it('round-trips a name that looks like SQL injection, as data', async () => {
      const { store } = ctx;
      const schedule = makeSchedule({ name: "x'); DROP TABLE t;--" });
      await store.scheduleCreate(schedule);
      expect((await store.scheduleGetByName("x'); DROP TABLE t;--"))?.id).toBe(schedule.id);
      expect((await store.scheduleList()).map((s) => s.id)).toEqual([schedule.id]);
    });

    it('finds a schedule by name case-insensitively and after NFC normalisation', async () => {
      const { store } = ctx;
      const schedule = makeSchedule({ name: 'Café Report' });
      await store.scheduleCreate(schedule);
      expect((await store.scheduleGetByName('café report'))?.id).toBe(schedule.id);
      expect((await store.scheduleGetByName('CAFE\u0301 REPORT'))?.id).toBe(schedule.id);
      expect(await store.scheduleGetByName('cafe report')).toBeUndefined();
    });

    it.each([
      ['the same name', 'Nightly Report'],
      ['a name differing only in case', 'NIGHTLY report'],
    ])('refuses %s with DuplicateKeyError on field name, writing nothing', async (_label, second) => {
      const { store } = ctx;
      await store.scheduleCreate(makeSchedule({ name: 'Nightly Report' }));
      const dup = makeSchedule({ name: second });
      const error = await store.scheduleCreate(dup).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DuplicateKeyError);
      expect((error as DuplicateKeyError).field).toBe('name');
      expect(await store.scheduleGet(dup.id)).toBeUndefined();
      expect(await store.scheduleList()).toHaveLength(1);
    });

    it('refuses NFC vs NFD duplicates', async () => {
      const { store } = ctx;
      await store.scheduleCreate(makeSchedule({ name: 'r\u00e9sum\u00e9' }));
      const error = await store.scheduleCreate(makeSchedule({ name: 're\u0301sume\u0301' })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DuplicateKeyError);
      expect((error as DuplicateKeyError).field).toBe('name');
    });

    it('lists schedules by name, filtered by state, limited', async () => {
      const { store } = ctx;
      const names = ['gamma', 'alpha', 'delta', 'beta'];
      for (const n of names)
        await store.scheduleCreate(makeSchedule({ name: n, state: n === 'delta' ? 'paused' : 'active' }));
      expect((await store.scheduleList()).map((s) => s.name)).toEqual(['alpha', 'beta', 'delta', 'gamma']);
      expect((await store.scheduleList({ states: ['active'] })).map((s) => s.name)).toEqual(['alpha', 'beta', 'gamma']);
      expect((await store.scheduleList({ states: ['paused', 'retired'] })).map((s) => s.name)).toEqual(['delta']);
      expect((await store.scheduleList({ limit: 2 })).map((s) => s.name)).toEqual(['alpha', 'beta']);
    });

    it('pauses, resumes with a next fire time, and retires; a retired schedule is never touched', async () => {
      const { store, t0 } = ctx;
      const schedule = makeSchedule({ nextFireAt: t0 });
      await store.scheduleCreate(schedule);
      const paused = await store.scheduleSetState({ id: schedule.id, state: 'paused', now: t0 + 1 });
      expect(paused).toMatchObject({ state: 'paused', nextFireAt: t0, updatedAt: t0 + 1 });
      const resumed = await store.scheduleSetState({
        id: schedule.id,
        state: 'active',
        nextFireAt: t0 + 60_000,
        now: t0 + 2,
      });
      expect(resumed).toMatchObject({ state: 'active', nextFireAt: t0 + 60_000 });
      const retired = await store.scheduleSetState({
        id: schedule.id,
        state: 'retired',
        nextFireAt: null,
        now: t0 + 3,
      });
      expect(retired).toMatchObject({ state: 'retired', nextFireAt: null });
      expect(
        await store.scheduleSetState({ id: schedule.id, state: 'active', nextFireAt: t0, now: t0 + 4 }),
      ).toBeUndefined();
      expect(await store.scheduleGet(schedule.id)).toMatchObject({
        state: 'retired',
        nextFireAt: null,
        updatedAt: t0 + 3,
      });
      expect(await store.scheduleSetState({ id: randomUUID(), state: 'paused' })).toBeUndefined();
    });

    it('deletes a schedule with its tasks and their events', async () => {
      const { store, seed, claim } = ctx;
      const { schedule, tasks } = await seed({ tasks: [{}, {}] });
      await claim();
      const other = await seed();
      expect(await store.scheduleDelete(schedule.id)).toBe(true);
      expect(await store.scheduleGet(schedule.id)).toBeUndefined();
      for (const t of tasks) {
        expect(await store.taskGet(t.id)).toBeUndefined();
        expect(await store.taskEvents(t.id)).toEqual([]);
      }
      expect(await store.taskList({ scheduleId: schedule.id })).toEqual([]);
      expect(await store.taskGet(other.tasks[0]?.id ?? '')).toBeDefined();
      expect(await store.scheduleDelete(schedule.id)).toBe(false);
    });
  });
}
