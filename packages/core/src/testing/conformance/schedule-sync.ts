import { describe, expect, it } from 'vitest';
import { RookeryClient } from '../../client/rookery-client.js';
import { ValidationError } from '../../errors/validation-error.js';
import type { TypedExecutor } from '../../executor/typed-executor.js';
import type { ScheduleInput } from '../../model/schedule-input.js';
import type { ConformanceContext } from '../fixtures.js';

/**
 * Idempotent registration through the client (`upsertSchedule`, `syncSchedules`): what each
 * store hands back must compare equal to what was written (JSON key order, defaults), or every
 * restart of a process would update its schedules.
 */
export function describeScheduleSync(ctx: ConformanceContext): void {
  const clientOf = (): RookeryClient => new RookeryClient({ datastore: ctx.store, builtInExecutors: [ctx.exec] });
  const report = (
    exec: string,
    payload: ScheduleInput['payload'] = { to: 'ops@example.com', options: { format: 'pdf', pages: [1, 2] } },
  ): ScheduleInput => ({
    name: 'nightly-report',
    executor: exec,
    payload,
    trigger: { kind: 'cron', expr: '0 3 * * *', tz: 'Europe/Berlin' },
    policies: { retry: { kind: 'exponential', maxAttempts: 4, delayMs: 30_000 }, timeoutMs: 600_000 },
  });

  describe('schedule sync (client)', () => {
    it('upsert creates a schedule, leaves it alone when nothing changed (whatever the key order), and updates it when something did', async () => {
      const client = clientOf();
      const created = await client.upsertSchedule(report(ctx.exec));
      expect(created.outcome).toBe('created');
      const reordered = await client.upsertSchedule({
        policies: { timeoutMs: 600_000, retry: { delayMs: 30_000, maxAttempts: 4, kind: 'exponential' } },
        trigger: { tz: 'Europe/Berlin', expr: '0 3 * * *', kind: 'cron' },
        payload: { options: { pages: [1, 2], format: 'pdf' }, to: 'ops@example.com' },
        executor: ctx.exec,
        name: 'nightly-report',
      });
      expect(reordered.outcome).toBe('unchanged');
      expect(await ctx.store.scheduleGet(created.schedule.id)).toEqual(created.schedule);
      const updated = await client.upsertSchedule(report(ctx.exec, { to: 'dev@example.com' }));
      expect(updated).toMatchObject({
        outcome: 'updated',
        schedule: { id: created.schedule.id, payload: { to: 'dev@example.com' } },
      });
      const renamed = await client.upsertSchedule({
        ...report(ctx.exec, { to: 'dev@example.com' }),
        name: 'Nightly-Report',
      });
      expect(renamed).toMatchObject({
        outcome: 'updated',
        schedule: { id: created.schedule.id, name: 'Nightly-Report' },
      });
      expect((await ctx.store.scheduleList({})).map((s) => s.name)).toEqual(['Nightly-Report']);
    });

    it('two upserts of a new name at once store it once: one creates, the other finds it unchanged', async () => {
      const [a, b] = await Promise.all([
        clientOf().upsertSchedule(report(ctx.exec)),
        clientOf().upsertSchedule(report(ctx.exec)),
      ]);
      expect([a.outcome, b.outcome].sort()).toEqual(['created', 'unchanged']);
      expect(a.schedule.id).toBe(b.schedule.id);
      expect(await ctx.store.scheduleList({})).toHaveLength(1);
    });

    it('upsert keeps a paused schedule paused, and refuses to change a retired one (field state)', async () => {
      const client = clientOf();
      await client.upsertSchedule(report(ctx.exec));
      await client.pauseSchedule('nightly-report');
      expect(await client.upsertSchedule(report(ctx.exec, 1))).toMatchObject({
        outcome: 'updated',
        schedule: { state: 'paused', payload: 1 },
      });
      await client.retireSchedule('nightly-report');
      expect((await client.upsertSchedule(report(ctx.exec, 1))).outcome).toBe('unchanged');
      await expect(client.upsertSchedule(report(ctx.exec, 2))).rejects.toMatchObject({
        constructor: ValidationError,
        field: 'state',
      });
    });

    it('sync creates, updates and leaves alone by name, and with prune deletes the schedules not listed', async () => {
      const client = clientOf();
      const every = (name: string, everyMs: number): ScheduleInput => ({
        name,
        executor: ctx.exec,
        trigger: { kind: 'interval', everyMs },
      });
      await client.createSchedules([every('a', 60_000), every('b', 60_000), every('c', 60_000)]);
      const kept = await client.syncSchedules([every('a', 60_000), every('b', 120_000), every('d', 60_000)]);
      expect(kept.map((s) => [s.name, s.outcome])).toEqual([
        ['a', 'unchanged'],
        ['b', 'updated'],
        ['d', 'created'],
      ]);
      expect((await ctx.store.scheduleList({})).map((s) => s.name)).toEqual(['a', 'b', 'c', 'd']);
      const pruned = await client.syncSchedules([every('a', 60_000), every('b', 120_000), every('d', 60_000)], {
        prune: true,
      });
      expect(pruned.map((s) => [s.name, s.outcome])).toEqual([
        ['a', 'unchanged'],
        ['b', 'unchanged'],
        ['d', 'unchanged'],
        ['c', 'deleted'],
      ]);
      expect((await ctx.store.scheduleList({})).map((s) => s.name)).toEqual(['a', 'b', 'd']);
    });

    it('sync checks every input before writing: a bad one, a name given twice or an unknown executor is refused by index and nothing is written', async () => {
      const client = clientOf();
      const good = report(ctx.exec);
      await expect(
        client.syncSchedules([
          good,
          { ...good, name: 'other', trigger: { kind: 'cron', expr: '0 3 * * *', tz: 'Mars/Olympus' } },
        ]),
      ).rejects.toMatchObject({ field: '[1].trigger.tz' });
      await expect(client.syncSchedules([good, { ...good, name: 'NIGHTLY-REPORT' }])).rejects.toMatchObject({
        field: '[1].name',
      });
      await expect(
        client.syncSchedules(
          [
            { ...good, name: 'x' },
            { ...good, executor: 'nobody-has-it' },
          ],
          { prune: true },
        ),
      ).rejects.toMatchObject({ field: '[1].executor' });
      await expect(client.upsertSchedule({ ...good, clientId: 'app-1' })).rejects.toMatchObject({ field: 'clientId' });
      expect(await ctx.store.scheduleList({})).toEqual([]);
    });

    it("a typed executor's validate refuses a payload at create, upsert and sync, naming the field, and nothing is written", async () => {
      const client = clientOf();
      const typed: TypedExecutor<{ to: string }> = {
        name: ctx.exec,
        validate: (payload) => {
          const to = (payload as { to?: unknown } | null)?.to;
          if (typeof to !== 'string' || !to.includes('@'))
            throw new ValidationError('payload.to', 'must be an e-mail address');
        },
        start: async () => ({ kind: 'done', result: null }),
      };
      const input = {
        name: 'typed',
        executor: typed,
        payload: { to: 'nobody' },
        trigger: { kind: 'interval' as const, everyMs: 60_000 },
      };
      await expect(client.createSchedule(input)).rejects.toMatchObject({
        constructor: ValidationError,
        field: 'payload.to',
      });
      await expect(client.upsertSchedule(input)).rejects.toMatchObject({ field: 'payload.to' });
      await expect(client.syncSchedules([report(ctx.exec), input])).rejects.toMatchObject({ field: '[1].payload.to' });
      expect(await ctx.store.scheduleList({})).toEqual([]);
      const stored = await client.createSchedule({ ...input, payload: { to: 'ops@example.com' } });
      expect(stored).toMatchObject({ name: 'typed', executor: ctx.exec, payload: { to: 'ops@example.com' } });
    });
  });
}
