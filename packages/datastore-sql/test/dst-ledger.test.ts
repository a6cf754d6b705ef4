import {
  createStrategyRegistry,
  mathRandom,
  nextFireTime,
  planPeel,
  uuidV7,
  type DstPolicy,
  type Schedule,
} from '@rookery/core';
import { makePolicies, makeSchedule, schedulePeelOne } from '@rookery/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlDatastore, type SqlDatastore } from '../src/index.js';
import { testDialects, type TestDatabase } from './helpers/test-databases.js';

/**
 * DST policies on real transition days, through each database: schedules in New York and Lord
 * Howe (a 30-minute shift) are peeled across the 2026 spring-forward and fall-back days, with
 * the database clock overridden, and the ledger read back must hold exactly the fire instants
 * each policy prescribes.
 */
const DAY = 86_400_000;
const at = (iso: string): number => Date.parse(iso);

interface Case {
  name: string;
  expr: string;
  tz: string;
  dst: DstPolicy;
  /** Peel from this instant's day before to the day after. */
  around: string;
  /** Fire instants expected on [around - 12 h, around + 26 h], UTC. */
  expected: string[];
}

const CASES: Case[] = [
  // 2026-03-08, New York: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist.
  {
    name: 'gap run-after-gap',
    expr: '30 2 * * *',
    tz: 'America/New_York',
    dst: { gap: 'run-after-gap', overlap: 'first' },
    around: '2026-03-08T07:00:00Z',
    expected: ['2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z'],
  },
  {
    name: 'gap skip',
    expr: '30 2 * * *',
    tz: 'America/New_York',
    dst: { gap: 'skip', overlap: 'first' },
    around: '2026-03-08T07:00:00Z',
    expected: ['2026-03-09T06:30:00.000Z'],
  },
  // 2026-11-01, New York: 02:00 EDT falls back to 01:00 EST; 01:30 happens twice.
  {
    name: 'overlap first',
    expr: '30 1 * * *',
    tz: 'America/New_York',
    dst: { gap: 'run-after-gap', overlap: 'first' },
    around: '2026-11-01T05:30:00Z',
    expected: ['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z'],
  },
  {
    name: 'overlap last',
    expr: '30 1 * * *',
    tz: 'America/New_York',
    dst: { gap: 'run-after-gap', overlap: 'last' },
    around: '2026-11-01T05:30:00Z',
    expected: ['2026-11-01T06:30:00.000Z', '2026-11-02T06:30:00.000Z'],
  },
  {
    name: 'overlap both',
    expr: '30 1 * * *',
    tz: 'America/New_York',
    dst: { gap: 'run-after-gap', overlap: 'both' },
    around: '2026-11-01T05:30:00Z',
    expected: ['2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z', '2026-11-02T06:30:00.000Z'],
  },
  // 2026-10-04, Lord Howe: 02:00 +10:30 jumps to 02:30 +11:00; 02:15 does not exist.
  {
    name: 'half-hour gap run-after-gap',
    expr: '15 2 * * *',
    tz: 'Australia/Lord_Howe',
    dst: { gap: 'run-after-gap', overlap: 'first' },
    around: '2026-10-03T15:30:00Z',
    expected: ['2026-10-03T15:30:00.000Z', '2026-10-04T15:15:00.000Z'],
  },
  {
    name: 'half-hour gap skip',
    expr: '15 2 * * *',
    tz: 'Australia/Lord_Howe',
    dst: { gap: 'skip', overlap: 'first' },
    around: '2026-10-03T15:30:00Z',
    expected: ['2026-10-04T15:15:00.000Z'],
  },
];

for (const dialect of await testDialects()) {
  describe.skipIf(!dialect.available)(`DST policies on real transition days, on ${dialect.label}`, () => {
    let db: TestDatabase | undefined;
    let store: SqlDatastore;
    beforeAll(async () => {
      db = await dialect.create();
      store = await createSqlDatastore({ url: db.url });
    });
    afterAll(async () => {
      await store?.close();
      await db?.drop();
    });

    it.each(CASES)('$name in $tz: the ledger holds exactly the prescribed instants', async (c) => {
      const from = at(c.around) - DAY / 2;
      const to = at(c.around) + 1.5 * DAY;
      const base = makeSchedule({
        name: `dst ${c.name} ${c.tz}`,
        trigger: { kind: 'cron', expr: c.expr, tz: c.tz },
        policies: makePolicies({ dst: c.dst, misfireGraceMs: DAY }),
        createdAt: from - DAY,
        updatedAt: from - DAY,
      });
      // Its next fire time as if it had been created just before the window.
      const schedule: Schedule = {
        ...base,
        nextFireAt: nextFireTime(base.trigger, from - 1, { dst: c.dst, createdAt: base.createdAt }),
      };
      await store.scheduleCreate(schedule);
      // Peel every six hours of database time through the two days.
      for (let now = from; now <= to; now += 6 * 3_600_000) {
        const claimed = (
          await store.scheduleClaimDue({ owner: 'dst-test', limit: 10, lookaheadMs: 0, leaseMs: 60_000, now })
        ).find((s) => s.id === schedule.id);
        if (!claimed) continue;
        const plan = planPeel(claimed, {
          now,
          lookaheadMs: 0,
          strategies: createStrategyRegistry(),
          ids: uuidV7,
          random: mathRandom,
        });
        const peeled = await schedulePeelOne(store, {
          scheduleId: claimed.id,
          owner: 'dst-test',
          fence: claimed.fence,
          nodeId: 'dst-test',
          now,
          ...plan,
        });
        expect(peeled.ok).toBe(true);
      }
      const ledger = (await store.taskList({ scheduleId: schedule.id, limit: 100 })).filter(
        (t) => t.fireAt >= from && t.fireAt <= at(c.around) + DAY + 2 * 3_600_000,
      );
      expect(ledger.map((t) => new Date(t.fireAt).toISOString()).sort()).toEqual(c.expected);
      expect(ledger.every((t) => t.state === 'pending')).toBe(true);
    });
  });
}
