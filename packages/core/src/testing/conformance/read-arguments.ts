import { describe, expect, it } from 'vitest';
import type { Datastore } from '../../datastore/datastore.js';
import { ValidationError } from '../../errors/validation-error.js';
import { makeSchedule, type ConformanceContext } from '../fixtures.js';

/** A call with an argument the types forbid, as JavaScript code or a cast can make it. */
type BadCall = [label: string, field: string, call: (store: Datastore) => Promise<unknown>];

/** Arguments the types forbid, cast through `never` to reach the store as a caller's JavaScript would. */
const BAD_CALLS: BadCall[] = [
  ['scheduleGet(42)', 'id', (s) => s.scheduleGet(42 as never)],
  ['scheduleGet(null)', 'id', (s) => s.scheduleGet(null as never)],
  ['scheduleGet with NUL', 'id', (s) => s.scheduleGet('a\u0000b')],
  ['scheduleGetByName({})', 'name', (s) => s.scheduleGetByName({} as never)],
  ['scheduleList limit -1', 'limit', (s) => s.scheduleList({ limit: -1 })],
  ['scheduleList limit 0', 'limit', (s) => s.scheduleList({ limit: 0 })],
  ['scheduleList limit 1.5', 'limit', (s) => s.scheduleList({ limit: 1.5 })],
  ["scheduleList limit 'x'", 'limit', (s) => s.scheduleList({ limit: 'x' as never })],
  ["scheduleList states 'active'", 'states', (s) => s.scheduleList({ states: 'active' as never })],
  ['scheduleList unknown state', 'states[1]', (s) => s.scheduleList({ states: ['active', 'bogus' as never] })],
  ['scheduleListByClient clientId 7', 'clientId', (s) => s.scheduleListByClient({ clientId: 7 as never })],
  ['scheduleListByClient limit NaN', 'limit', (s) => s.scheduleListByClient({ clientId: 'c', limit: Number.NaN })],
  ['taskGet(1)', 'id', (s) => s.taskGet(1 as never)],
  ['taskList scheduleId 5', 'scheduleId', (s) => s.taskList({ scheduleId: 5 as never })],
  ['taskList limit 1.5', 'limit', (s) => s.taskList({ limit: 1.5 })],
  ['taskList unknown state', 'states[0]', (s) => s.taskList({ states: ['done' as never] })],
  ['taskEvents(undefined)', 'taskId', (s) => s.taskEvents(undefined as never)],
  ['taskLogRead afterSeq -1', 'afterSeq', (s) => s.taskLogRead({ taskId: 't', afterSeq: -1 })],
  ['taskLogRead limit 0', 'limit', (s) => s.taskLogRead({ taskId: 't', limit: 0 })],
];

/** Bad arguments to the read methods and names no store can hold: the same ValidationError on every store. */
export function describeReadArguments(ctx: ConformanceContext): void {
  describe('read arguments', () => {
    it('refuses a non-string id, a bad limit or unknown states with a ValidationError naming the field', async () => {
      for (const [label, field, call] of BAD_CALLS) {
        const error: unknown = await call(ctx.store).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, label).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).field, label).toBe(field);
      }
    });

    it('refuses a name whose comparison key is over 200 characters, writing nothing, and takes one of exactly 200', async () => {
      const { store } = ctx;
      // 'İ' lower-cases to two characters: 200 of them compare as 400.
      const folded = makeSchedule({ name: 'İ'.repeat(200) });
      await expect(store.scheduleCreate(folded)).rejects.toMatchObject({ constructor: ValidationError, field: 'name' });
      await expect(store.scheduleCreateMany([makeSchedule(), folded])).rejects.toMatchObject({
        constructor: ValidationError,
        field: '[1].name',
      });
      expect(await store.scheduleList()).toEqual([]);
      const wide = makeSchedule({ name: '🐦'.repeat(100) + 'ß'.repeat(100) });
      await store.scheduleCreate(wide);
      expect((await store.scheduleGetByName(wide.name))?.id).toBe(wide.id);
      const { executor, payload, trigger, startAt, endAt, policies } = wide;
      await expect(
        store.scheduleUpdate({
          id: wide.id,
          definition: { name: folded.name, executor, payload, trigger, startAt, endAt, policies },
          nextFireAt: null,
        }),
      ).rejects.toMatchObject({
        constructor: ValidationError,
        field: 'definition.name',
      });
      expect((await store.scheduleGet(wide.id))?.name).toBe(wide.name);
    });
  });
}
