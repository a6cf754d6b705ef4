import { describe, expect, it } from 'vitest';
import { DuplicateKeyError } from '../../errors/index.js';
import { makeSchedule, TRICKY_PAYLOAD, type ConformanceContext } from '../fixtures.js';

/**
 * Bulk schedule inserts (`scheduleCreateMany`): every row round-trips field for field, and a
 * taken name, in the store or within the batch, refuses the whole batch.
 */
export function describeScheduleBulk(ctx: ConformanceContext): void {
  describe('schedule bulk create', () => {
    it('inserts a batch larger than one statement, each schedule field for field', async () => {
      const { store, t0 } = ctx;
      const schedules = Array.from({ length: 250 }, (_, i) =>
        makeSchedule({
          name: `bulk-${String(i).padStart(3, '0')}`,
          payload: i === 7 ? TRICKY_PAYLOAD : { i },
          nextFireAt: t0 + i,
          createdAt: t0,
          updatedAt: t0,
        }),
      );
      expect(await store.scheduleCreateMany(schedules)).toBe(250);
      for (const s of [schedules[0], schedules[7], schedules[249]])
        expect(await store.scheduleGet(s?.id ?? '')).toEqual(s);
      expect(await store.scheduleList({ limit: 1_000 })).toHaveLength(250);
    });

    it('writes nothing for an empty batch', async () => {
      const { store } = ctx;
      expect(await store.scheduleCreateMany([])).toBe(0);
      expect(await store.scheduleList()).toEqual([]);
    });

    it('refuses the whole batch when one name is taken by a stored schedule, writing none of it', async () => {
      const { store } = ctx;
      await store.scheduleCreate(makeSchedule({ name: 'Nightly Report' }));
      const batch = [
        makeSchedule({ name: 'first' }),
        makeSchedule({ name: 'NIGHTLY report' }),
        makeSchedule({ name: 'third' }),
      ];
      const error = await store.scheduleCreateMany(batch).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DuplicateKeyError);
      expect((error as DuplicateKeyError).field).toBe('name');
      expect((await store.scheduleList()).map((s) => s.name)).toEqual(['Nightly Report']);
    });

    it('refuses the whole batch when two of its schedules share a name (NFC, case-folded)', async () => {
      const { store } = ctx;
      const batch = [
        makeSchedule({ name: 'r\u00e9sum\u00e9' }),
        makeSchedule({ name: 'other' }),
        makeSchedule({ name: 'RE\u0301SUME\u0301' }),
      ];
      const error = await store.scheduleCreateMany(batch).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DuplicateKeyError);
      expect((error as DuplicateKeyError).field).toBe('name');
      expect(await store.scheduleList()).toEqual([]);
    });
  });
}
