import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fireTimesBetween, nextFireTime, validateTrigger, type FireContext, type Trigger } from '../../src/index.js';
import { oracleProperty, type OracleCounts, type TriggerMath } from './oracle/oracle.js';
import {
  cronMatcher,
  referenceFires,
  ZoneClock,
  type CronItem,
  type CronSpec,
  type DstRule,
} from './oracle/reference.js';

/**
 * The trigger oracle, bounded for CI: nextFireTime of cron, interval and one-time triggers
 * against the brute-force reference in ./oracle (minute-by-minute or second-by-second walks
 * through Intl, DST rules applied from their definitions). `npm run oracle -- --runs N` runs
 * many more cases; FC_SEED and FC_RUNS override the seed and the number of runs here.
 */

const SEED = Number(process.env['FC_SEED'] ?? 20260308);
const RUNS = Number(process.env['FC_RUNS'] ?? 1000);
const math: TriggerMath = { nextFireTime, fireTimesBetween, validateTrigger };

describe('trigger oracle', () => {
  it(`agrees with the brute-force reference (seed ${SEED}, ${RUNS} cases)`, () => {
    const counts: OracleCounts = { cron: 0, interval: 0, once: 0 };
    fc.assert(oracleProperty(math, counts), { numRuns: RUNS, seed: SEED });
    expect(counts.cron + counts.interval + counts.once).toBe(RUNS);
  }, 120_000);
});

describe('the reference itself', () => {
  const v = (value: number): CronItem[] => [{ kind: 'value', value, name: false }];
  const star: CronItem[] = [{ kind: 'star' }];
  const daily = (hour: number, minute: number): CronSpec => ({
    second: null,
    minute: v(minute),
    hour: v(hour),
    dom: star,
    month: star,
    dow: star,
    nickname: null,
  });
  const fires = (spec: CronSpec, tz: string, from: string, to: string, dst: DstRule): string[] =>
    referenceFires(cronMatcher(spec), new ZoneClock(tz), Date.parse(from), Date.parse(to), dst).map((t) =>
      new Date(t).toISOString(),
    );
  const rule = (gap: DstRule['gap'], overlap: DstRule['overlap']): DstRule => ({ gap, overlap });

  it('gives the hand-checked answers around transitions', () => {
    const day = (iso: string) => [`${iso}T00:00:00Z`, `${iso}T23:59:59Z`] as const;
    // New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT at 07:00Z.
    expect(fires(daily(2, 30), 'America/New_York', ...day('2026-03-08'), rule('run-after-gap', 'first'))).toEqual([
      '2026-03-08T07:00:00.000Z',
    ]);
    expect(fires(daily(2, 30), 'America/New_York', ...day('2026-03-08'), rule('skip', 'first'))).toEqual([]);
    // New York, 2026-11-01: 01:00-02:00 is shown twice, EDT (05:xxZ) then EST (06:xxZ).
    expect(fires(daily(1, 30), 'America/New_York', ...day('2026-11-01'), rule('run-after-gap', 'first'))).toEqual([
      '2026-11-01T05:30:00.000Z',
    ]);
    expect(fires(daily(1, 30), 'America/New_York', ...day('2026-11-01'), rule('run-after-gap', 'last'))).toEqual([
      '2026-11-01T06:30:00.000Z',
    ]);
    expect(fires(daily(1, 30), 'America/New_York', ...day('2026-11-01'), rule('skip', 'both'))).toEqual([
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T06:30:00.000Z',
    ]);
    // Lord Howe, 2026-04-05 02:00 +11 goes back to 01:30 +10:30 at 2026-04-04T15:00Z.
    expect(
      fires(daily(1, 45), 'Australia/Lord_Howe', '2026-04-04T12:00:00Z', '2026-04-04T18:00:00Z', rule('skip', 'both')),
    ).toEqual(['2026-04-04T14:45:00.000Z', '2026-04-04T15:15:00.000Z']);
    // Havana, 2026-03-08: midnight CST (05:00Z) jumps to 01:00 CDT; midnight is skipped.
    expect(
      fires(
        daily(0, 0),
        'America/Havana',
        '2026-03-08T00:00:00Z',
        '2026-03-09T12:00:00Z',
        rule('run-after-gap', 'first'),
      ),
    ).toEqual(['2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z']);
    expect(
      fires(daily(0, 0), 'America/Havana', '2026-03-08T00:00:00Z', '2026-03-09T12:00:00Z', rule('skip', 'first')),
    ).toEqual(['2026-03-09T04:00:00.000Z']);
  });

  it('catches broken trigger math: DST policy ignored, or an interval one period late', () => {
    const ignoresDst: TriggerMath = {
      ...math,
      nextFireTime: (t: Trigger, after: number, ctx: FireContext) =>
        nextFireTime(t, after, { ...ctx, dst: { gap: 'run-after-gap', overlap: 'first' } }),
    };
    const lateInterval: TriggerMath = {
      ...math,
      nextFireTime: (t: Trigger, after: number, ctx: FireContext) => {
        const next = nextFireTime(t, after, ctx);
        return t.kind === 'interval' && next !== null && after % 7 === 0 ? next + t.everyMs : next;
      },
    };
    for (const broken of [ignoresDst, lateInterval]) {
      const counts: OracleCounts = { cron: 0, interval: 0, once: 0 };
      expect(fc.check(oracleProperty(broken, counts), { numRuns: 2000, seed: SEED, endOnFailure: true }).failed).toBe(
        true,
      );
    }
  }, 120_000);
});
