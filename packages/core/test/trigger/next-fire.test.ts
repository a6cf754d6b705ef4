import { describe, expect, it } from 'vitest';
import type { DstPolicy } from '../../src/model/policies.js';
import { fireTimesBetween, nextFireTime, type FireContext } from '../../src/trigger/next-fire.js';
import type { Trigger } from '../../src/trigger/trigger.js';

const ms = (iso: string): number => {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`bad test instant ${iso}`);
  return t;
};
const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());
const ctx = (gap: DstPolicy['gap'] = 'run-after-gap', overlap: DstPolicy['overlap'] = 'first'): FireContext => ({
  dst: { gap, overlap },
  createdAt: ms('2026-01-01T00:00:00Z'),
});
const cron = (expr: string, tz = 'UTC'): Trigger => ({ kind: 'cron', expr, tz });
/** Fire instants in (from, until], as ISO strings. */
const fires = (t: Trigger, from: string, until: string, c = ctx(), limit = 50): string[] =>
  fireTimesBetween(t, ms(from), ms(until), c, limit).map((x) => new Date(x).toISOString());

describe('cron in UTC and fixed-offset zones', () => {
  it('is strictly after afterMs', () => {
    expect(iso(nextFireTime(cron('*/5 * * * *'), ms('2026-01-01T00:05:00Z'), ctx()))).toBe('2026-01-01T00:10:00.000Z');
    expect(iso(nextFireTime(cron('*/5 * * * *'), ms('2026-01-01T00:04:59.999Z'), ctx()))).toBe(
      '2026-01-01T00:05:00.000Z',
    );
    expect(iso(nextFireTime(cron('*/5 * * * *'), ms('2026-01-01T00:05:00.001Z'), ctx()))).toBe(
      '2026-01-01T00:10:00.000Z',
    );
  });
  it('defaults tz to UTC', () => {
    expect(iso(nextFireTime({ kind: 'cron', expr: '0 9 * * *' }, ms('2026-01-01T00:00:00Z'), ctx()))).toBe(
      '2026-01-01T09:00:00.000Z',
    );
  });
  it('handles 6-field second crons', () => {
    expect(fires(cron('*/5 * * * * *'), '2026-01-01T00:00:00Z', '2026-01-01T00:00:20Z')).toEqual([
      '2026-01-01T00:00:05.000Z',
      '2026-01-01T00:00:10.000Z',
      '2026-01-01T00:00:15.000Z',
      '2026-01-01T00:00:20.000Z',
    ]);
  });
  it('fires on leap days only', () => {
    expect(fires(cron('0 12 29 2 *'), '2025-01-01T00:00:00Z', '2033-01-01T00:00:00Z')).toEqual([
      '2028-02-29T12:00:00.000Z',
      '2032-02-29T12:00:00.000Z',
    ]);
    // 2100 is not a leap year: eight years between leap days.
    expect(iso(nextFireTime(cron('0 12 29 2 *'), ms('2096-03-01T00:00:00Z'), ctx()))).toBe('2104-02-29T12:00:00.000Z');
  });
  it('skips months without a 31st', () => {
    expect(fires(cron('0 0 31 * *'), '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z')).toEqual([
      '2026-01-31T00:00:00.000Z',
      '2026-03-31T00:00:00.000Z',
      '2026-05-31T00:00:00.000Z',
      '2026-07-31T00:00:00.000Z',
      '2026-08-31T00:00:00.000Z',
      '2026-10-31T00:00:00.000Z',
      '2026-12-31T00:00:00.000Z',
    ]);
  });
  it('combines day-of-month and day-of-week with OR', () => {
    // The 1st of the month OR Mondays; 2026-06-01 is itself a Monday.
    expect(fires(cron('0 12 1 * MON'), '2026-04-28T00:00:00Z', '2026-05-12T00:00:00Z')).toEqual([
      '2026-05-01T12:00:00.000Z', // a Friday, matched by day-of-month
      '2026-05-04T12:00:00.000Z', // Mondays
      '2026-05-11T12:00:00.000Z',
    ]);
  });
  it('uses Asia/Kolkata (+05:30)', () => {
    expect(fires(cron('0 9 * * *', 'Asia/Kolkata'), '2026-01-01T00:00:00Z', '2026-01-03T00:00:00Z')).toEqual([
      '2026-01-01T03:30:00.000Z',
      '2026-01-02T03:30:00.000Z',
    ]);
  });
  it('accepts nicknames', () => {
    expect(iso(nextFireTime(cron('@daily', 'Europe/Berlin'), ms('2026-01-01T12:00:00Z'), ctx()))).toBe(
      '2026-01-01T23:00:00.000Z',
    );
  });
  it('never skips the first days of a month after a day the month before lacks (oracle, seed 1)', () => {
    // croner 10 rolls 31 February over into March past 1 March; found by the oracle in Sao Paulo.
    expect(iso(nextFireTime(cron('0 */1 1,31 * *', 'America/Sao_Paulo'), 951_616_800_000, ctx()))).toBe(
      '2000-03-01T03:00:00.000Z',
    );
    expect(iso(nextFireTime(cron('0 0 1,30 * *'), ms('2001-02-26T23:59:59.999Z'), ctx()))).toBe(
      '2001-03-01T00:00:00.000Z',
    );
    // With a weekday too, every day up to 31 is tried: the 1st OR Saturdays.
    expect(iso(nextFireTime(cron('0 0 1 * 6'), ms('2001-02-25T00:00:00Z'), ctx()))).toBe('2001-03-01T00:00:00.000Z');
    expect(fires(cron('0 0 2,31 * *'), '2001-02-03T00:00:00Z', '2001-03-03T00:00:00Z')).toEqual([
      '2001-03-02T00:00:00.000Z',
    ]);
  });
  it('returns null for a pattern that never fires', () => {
    expect(nextFireTime(cron('0 0 30 2 *'), ms('2026-01-01T00:00:00Z'), ctx())).toBeNull();
    // croner itself overflows its stack searching this one; we never ask it to.
    expect(nextFireTime(cron('0 0 31 2,4,6,9,11 *'), ms('2026-01-01T00:00:00Z'), ctx())).toBeNull();
    // ... while with a weekday too (OR) it fires on Mondays of those months.
    expect(iso(nextFireTime(cron('0 0 31 2,4,6,9,11 1'), ms('2026-01-01T00:00:00Z'), ctx()))).toBe(
      '2026-02-02T00:00:00.000Z',
    );
  });
});

describe('cron across DST in America/New_York', () => {
  it('runs a skipped 02:30 at the end of the gap (03:00 EDT), or skips it', () => {
    const t = cron('30 2 * * *', 'America/New_York');
    expect(fires(t, '2026-03-07T12:00:00Z', '2026-03-09T12:00:00Z')).toEqual([
      '2026-03-08T07:00:00.000Z',
      '2026-03-09T06:30:00.000Z',
    ]);
    expect(fires(t, '2026-03-07T12:00:00Z', '2026-03-09T12:00:00Z', ctx('skip'))).toEqual(['2026-03-09T06:30:00.000Z']);
  });
  it('collapses several skipped times and 03:00 itself into one fire', () => {
    expect(fires(cron('*/30 * * * *', 'America/New_York'), '2026-03-08T05:50:00Z', '2026-03-08T07:45:00Z')).toEqual([
      '2026-03-08T06:00:00.000Z',
      '2026-03-08T06:30:00.000Z',
      '2026-03-08T07:00:00.000Z',
      '2026-03-08T07:30:00.000Z',
    ]);
    expect(fires(cron('*/20 * * * * *', 'America/New_York'), '2026-03-08T06:59:30Z', '2026-03-08T07:00:40Z')).toEqual([
      '2026-03-08T06:59:40.000Z',
      '2026-03-08T07:00:00.000Z',
      '2026-03-08T07:00:20.000Z',
      '2026-03-08T07:00:40.000Z',
    ]);
  });
  it('fires a repeated 01:30 on the first, last or both occurrences', () => {
    const t = cron('30 1 * * *', 'America/New_York');
    const day = (c: FireContext): string[] => fires(t, '2026-11-01T00:00:00Z', '2026-11-01T12:00:00Z', c);
    expect(day(ctx())).toEqual(['2026-11-01T05:30:00.000Z']);
    expect(day(ctx('run-after-gap', 'last'))).toEqual(['2026-11-01T06:30:00.000Z']);
    expect(day(ctx('run-after-gap', 'both'))).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z']);
  });
  it('keeps every-30-minutes regular through the repeated hour per policy', () => {
    const t = cron('*/30 * * * *', 'America/New_York');
    const win = (c: FireContext): string[] => fires(t, '2026-11-01T04:00:00Z', '2026-11-01T07:00:00Z', c);
    expect(win(ctx())).toEqual(['04:30', '05:00', '05:30', '07:00'].map((h) => `2026-11-01T${h}:00.000Z`));
    expect(win(ctx('run-after-gap', 'last'))).toEqual(
      ['04:30', '06:00', '06:30', '07:00'].map((h) => `2026-11-01T${h}:00.000Z`),
    );
    expect(win(ctx('run-after-gap', 'both'))).toEqual(
      ['04:30', '05:00', '05:30', '06:00', '06:30', '07:00'].map((h) => `2026-11-01T${h}:00.000Z`),
    );
  });
  it('under `last`, answers correctly from inside the first occurrence of the repeated hour', () => {
    const t = cron('*/30 * * * *', 'America/New_York');
    expect(iso(nextFireTime(t, ms('2026-11-01T05:40:00Z'), ctx('run-after-gap', 'last')))).toBe(
      '2026-11-01T06:00:00.000Z',
    );
    expect(iso(nextFireTime(t, ms('2026-11-01T05:59:59.999Z'), ctx('run-after-gap', 'last')))).toBe(
      '2026-11-01T06:00:00.000Z',
    );
    expect(iso(nextFireTime(t, ms('2026-11-01T06:10:00Z'), ctx()))).toBe('2026-11-01T07:00:00.000Z');
  });
});

describe('cron across DST elsewhere', () => {
  it('Europe/Berlin: gap at 02:00 CET, overlap at 03:00 CEST', () => {
    const t = cron('30 2 * * *', 'Europe/Berlin');
    expect(fires(t, '2026-03-28T12:00:00Z', '2026-03-30T12:00:00Z')).toEqual([
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
    expect(fires(t, '2026-10-24T12:00:00Z', '2026-10-25T12:00:00Z', ctx('skip', 'both'))).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-25T01:30:00.000Z',
    ]);
  });
  it('Australia/Lord_Howe: 30-minute shifts', () => {
    expect(fires(cron('15 2 * * *', 'Australia/Lord_Howe'), '2025-10-03T00:00:00Z', '2025-10-06T00:00:00Z')).toEqual([
      '2025-10-03T15:45:00.000Z', // 02:15 +10:30
      '2025-10-04T15:30:00.000Z', // 02:15 skipped: clocks jumped 02:00 → 02:30 at 15:30Z
      '2025-10-05T15:15:00.000Z', // 02:15 +11:00
    ]);
    const back = cron('45 1 * * *', 'Australia/Lord_Howe');
    const day = (c: FireContext): string[] => fires(back, '2025-04-05T12:00:00Z', '2025-04-06T12:00:00Z', c);
    expect(day(ctx())).toEqual(['2025-04-05T14:45:00.000Z']);
    expect(day(ctx('run-after-gap', 'last'))).toEqual(['2025-04-05T15:15:00.000Z']);
    expect(day(ctx('run-after-gap', 'both'))).toEqual(['2025-04-05T14:45:00.000Z', '2025-04-05T15:15:00.000Z']);
  });
  it('America/Santiago: DST changes at midnight', () => {
    // 2025-09-07 00:00 does not exist (24:00 → 01:00 at 04:00Z).
    expect(fires(cron('0 0 * * *', 'America/Santiago'), '2025-09-05T12:00:00Z', '2025-09-08T12:00:00Z')).toEqual([
      '2025-09-06T04:00:00.000Z',
      '2025-09-07T04:00:00.000Z',
      '2025-09-08T03:00:00.000Z',
    ]);
    expect(
      fires(cron('0 0 * * *', 'America/Santiago'), '2025-09-05T12:00:00Z', '2025-09-08T12:00:00Z', ctx('skip')),
    ).toEqual(['2025-09-06T04:00:00.000Z', '2025-09-08T03:00:00.000Z']);
    // 2025-04-05 23:30 happens twice (24:00 → 23:00 at 03:00Z).
    expect(
      fires(
        cron('30 23 * * *', 'America/Santiago'),
        '2025-04-05T12:00:00Z',
        '2025-04-06T12:00:00Z',
        ctx('run-after-gap', 'both'),
      ),
    ).toEqual(['2025-04-06T02:30:00.000Z', '2025-04-06T03:30:00.000Z']);
  });
  it('America/Havana: midnight gap in March, midnight overlap in November', () => {
    expect(fires(cron('0 0 * * *', 'America/Havana'), '2025-03-08T12:00:00Z', '2025-03-10T12:00:00Z')).toEqual([
      '2025-03-09T05:00:00.000Z',
      '2025-03-10T04:00:00.000Z',
    ]);
    const nov = (c: FireContext): string[] =>
      fires(cron('0 0 * * *', 'America/Havana'), '2025-11-01T12:00:00Z', '2025-11-03T12:00:00Z', c);
    expect(nov(ctx())).toEqual(['2025-11-02T04:00:00.000Z', '2025-11-03T05:00:00.000Z']);
    expect(nov(ctx('run-after-gap', 'last'))).toEqual(['2025-11-02T05:00:00.000Z', '2025-11-03T05:00:00.000Z']);
    expect(nov(ctx('run-after-gap', 'both'))).toEqual([
      '2025-11-02T04:00:00.000Z',
      '2025-11-02T05:00:00.000Z',
      '2025-11-03T05:00:00.000Z',
    ]);
  });
});

describe('other trigger kinds', () => {
  it('interval: anchor + k * everyMs, never drifting, from any instant', () => {
    const t: Trigger = { kind: 'interval', everyMs: 60_000, anchor: ms('2026-01-01T00:00:30Z') };
    expect(iso(nextFireTime(t, ms('2026-01-01T00:00:30Z'), ctx()))).toBe('2026-01-01T00:01:30.000Z');
    expect(iso(nextFireTime(t, ms('2026-01-01T10:17:31.5Z'), ctx()))).toBe('2026-01-01T10:18:30.000Z');
    expect(iso(nextFireTime(t, ms('2025-12-31T23:58:00Z'), ctx()))).toBe('2025-12-31T23:58:30.000Z');
    expect(fires(t, '2026-01-01T00:00:00Z', '2026-01-01T00:03:00Z')).toEqual([
      '2026-01-01T00:00:30.000Z',
      '2026-01-01T00:01:30.000Z',
      '2026-01-01T00:02:30.000Z',
    ]);
  });
  it('interval: anchors at createdAt by default', () => {
    const c = { ...ctx(), createdAt: ms('2026-01-01T00:00:10Z') };
    expect(iso(nextFireTime({ kind: 'interval', everyMs: 3_600_000 }, ms('2026-01-01T05:00:00Z'), c))).toBe(
      '2026-01-01T05:00:10.000Z',
    );
  });
  it('interval: never past the Date range', () => {
    expect(nextFireTime({ kind: 'interval', everyMs: 86_400_000, anchor: 0 }, 8.64e15, ctx())).toBeNull();
  });
  it('interval: exact across the whole Date range, where anchor and instant are over 2^53 ms apart (oracle, seed 1)', () => {
    // Found by the oracle: (after - anchor) / everyMs in doubles put this fire time 1 ms late.
    const t: Trigger = { kind: 'interval', everyMs: 1003, anchor: 8.64e15 };
    // 8.64e15 - (-8 639 999 999 999 505) = 17 279 999 999 999 505 = 1003 * 17 228 315 054 835 exactly.
    expect(nextFireTime(t, -8.64e15, ctx())).toBe(-8_639_999_999_999_505);
    expect(nextFireTime(t, -8_639_999_999_999_505, ctx())).toBe(-8_639_999_999_998_502);
    expect(nextFireTime({ kind: 'interval', everyMs: 1003, anchor: -8.64e15 }, 8.64e15 - 2000, ctx())).toBe(
      8_639_999_999_998_502,
    );
  });
  it('once: the instant if later, else null', () => {
    const t: Trigger = { kind: 'once', at: ms('2026-05-01T12:00:00Z') };
    expect(iso(nextFireTime(t, ms('2026-05-01T11:59:59.999Z'), ctx()))).toBe('2026-05-01T12:00:00.000Z');
    expect(nextFireTime(t, ms('2026-05-01T12:00:00Z'), ctx())).toBeNull();
    expect(fires(t, '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z')).toEqual(['2026-05-01T12:00:00.000Z']);
  });
  it('after-run: only the first fire (firstAt, else createdAt)', () => {
    expect(iso(nextFireTime({ kind: 'after-run', delayMs: 5000 }, ms('2025-12-31T00:00:00Z'), ctx()))).toBe(
      '2026-01-01T00:00:00.000Z',
    );
    expect(nextFireTime({ kind: 'after-run', delayMs: 5000 }, ms('2026-01-01T00:00:00Z'), ctx())).toBeNull();
    const t: Trigger = { kind: 'after-run', delayMs: 5000, firstAt: ms('2026-02-01T00:00:00Z') };
    expect(iso(nextFireTime(t, ms('2026-01-15T00:00:00Z'), ctx()))).toBe('2026-02-01T00:00:00.000Z');
  });
  it('fireTimesBetween honours limit', () => {
    expect(fires(cron('* * * * *'), '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', ctx(), 3)).toHaveLength(3);
    expect(fires(cron('* * * * *'), '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', ctx(), 0)).toEqual([]);
  });
});

describe('independence from the process time zone', () => {
  it('gives the same answers whatever process.env.TZ says', () => {
    const sample = (): (number | null)[] =>
      [
        cron('30 2 * * *', 'America/New_York'),
        cron('45 1 * * *', 'Australia/Lord_Howe'),
        cron('0 0 * * *', 'America/Santiago'),
        cron('*/7 * * * *'),
      ].flatMap((t) =>
        ['2026-03-07T12:00:00Z', '2026-11-01T05:40:00Z', '2025-04-05T14:50:00Z', '2025-09-06T12:00:00Z'].map((from) =>
          nextFireTime(t, ms(from), ctx('run-after-gap', 'both')),
        ),
      );
    const before = process.env['TZ'];
    const baseline = sample();
    try {
      for (const tz of ['Pacific/Chatham', 'America/St_Johns', 'Asia/Kathmandu']) {
        process.env['TZ'] = tz;
        // The override took effect: local time in January differs from UTC.
        expect(new Date(ms('2026-01-15T00:00:00Z')).getTimezoneOffset()).not.toBe(0);
        expect(sample()).toEqual(baseline);
      }
    } finally {
      if (before === undefined) delete process.env['TZ'];
      else process.env['TZ'] = before;
    }
  });
});
