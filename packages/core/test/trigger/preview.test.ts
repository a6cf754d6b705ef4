import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors/validation-error.js';
import { previewTrigger, type PreviewEntry } from '../../src/trigger/preview.js';
import type { Trigger } from '../../src/trigger/trigger.js';

const ms = (iso: string): number => {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`bad test instant ${iso}`);
  return t;
};
const cron = (expr: string, tz = 'UTC'): Trigger => ({ kind: 'cron', expr, tz });
/** An entry as one comparable line: `utc local offset note`. */
const line = (e: PreviewEntry): string => `${e.utc} ${e.local} ${e.offset}${e.note === null ? '' : ` ${e.note}`}`;

describe('previewTrigger on DST days', () => {
  it('moves 02:30 on the Berlin spring-forward day to 03:00, with a note', () => {
    const p = previewTrigger(cron('30 2 * * *', 'Europe/Berlin'), { count: 3, from: ms('2026-03-28T00:00:00Z') });
    expect(p.fireTimes.map(line)).toEqual([
      '2026-03-28T01:30:00.000Z 2026-03-28 02:30:00 +01:00',
      '2026-03-29T01:00:00.000Z 2026-03-29 03:00:00 +02:00 moved: 02:30 does not exist (DST gap), runs at 03:00',
      '2026-03-30T00:30:00.000Z 2026-03-30 02:30:00 +02:00',
    ]);
    expect(p.fireTimes[1]?.at).toBe(ms('2026-03-29T01:00:00Z'));
    expect(p.warnings).toEqual([]);
  });

  it('notes a skipped 02:30 on the next entry under gap: skip', () => {
    const p = previewTrigger(cron('30 2 * * *', 'Europe/Berlin'), {
      count: 2,
      from: ms('2026-03-29T00:00:00Z'),
      dst: { gap: 'skip', overlap: 'first' },
    });
    expect(p.fireTimes.map(line)).toEqual([
      '2026-03-30T00:30:00.000Z 2026-03-30 02:30:00 +02:00 skipped: 02:30 on 2026-03-29 does not exist (DST gap)',
      expect.any(String),
    ]);
  });

  it('counts every skipped time that collapses into one run after the gap', () => {
    const p = previewTrigger(cron('*/15 2,3 * * *', 'Europe/Berlin'), { count: 1, from: ms('2026-03-29T00:30:00Z') });
    expect(p.fireTimes[0]?.note).toBe(
      'moved: 02:00–02:45 (4 times) do not exist (DST gap), run at 03:00 (one run for 5 fire times)',
    );
  });

  it('lists both 01:30s of the New York fall-back day under overlap: both', () => {
    const p = previewTrigger(cron('30 1 * * *', 'America/New_York'), {
      count: 4,
      from: ms('2026-10-31T00:00:00Z'),
      dst: { gap: 'run-after-gap', overlap: 'both' },
    });
    expect(p.fireTimes.map(line)).toEqual([
      '2026-10-31T05:30:00.000Z 2026-10-31 01:30:00 -04:00',
      '2026-11-01T05:30:00.000Z 2026-11-01 01:30:00 -04:00 repeated hour: first of two 01:30s',
      '2026-11-01T06:30:00.000Z 2026-11-01 01:30:00 -05:00 repeated hour: second of two 01:30s',
      '2026-11-02T06:30:00.000Z 2026-11-02 01:30:00 -05:00',
    ]);
  });

  it('says which 01:30 runs under overlap: first and last', () => {
    const from = ms('2026-11-01T00:00:00Z');
    const first = previewTrigger(cron('30 1 * * *', 'America/New_York'), { count: 1, from });
    expect(first.fireTimes.map(line)).toEqual([
      '2026-11-01T05:30:00.000Z 2026-11-01 01:30:00 -04:00 repeated hour: first of two 01:30s (the second does not run)',
    ]);
    const last = previewTrigger(cron('30 1 * * *', 'America/New_York'), {
      count: 1,
      from,
      dst: { gap: 'run-after-gap', overlap: 'last' },
    });
    expect(last.fireTimes.map(line)).toEqual([
      '2026-11-01T06:30:00.000Z 2026-11-01 01:30:00 -05:00 repeated hour: second of two 01:30s (the first does not run)',
    ]);
  });
});

describe('previewTrigger on other triggers and windows', () => {
  it('lists an interval from its anchor, in UTC, without notes', () => {
    const p = previewTrigger(
      { kind: 'interval', everyMs: 90_000, anchor: ms('2026-01-01T00:00:00Z') },
      { count: 3, from: ms('2026-01-01T00:01:00Z') },
    );
    expect(p.fireTimes.map(line)).toEqual([
      '2026-01-01T00:01:30.000Z 2026-01-01 00:01:30 +00:00',
      '2026-01-01T00:03:00.000Z 2026-01-01 00:03:00 +00:00',
      '2026-01-01T00:04:30.000Z 2026-01-01 00:04:30 +00:00',
    ]);
    expect(p.warnings).toEqual([]);
  });

  it('lists a once trigger once, and warns when it is already past', () => {
    const at = ms('2026-06-01T12:00:00Z');
    const ahead = previewTrigger({ kind: 'once', at }, { count: 10, from: ms('2026-01-01T00:00:00Z') });
    expect(ahead.fireTimes.map((e) => e.at)).toEqual([at]);
    expect(ahead.warnings).toEqual([]);
    const past = previewTrigger({ kind: 'once', at }, { count: 10, from: ms('2026-07-01T00:00:00Z') });
    expect(past.fireTimes).toEqual([]);
    expect(past.warnings).toEqual(['never fires: once at 2026-06-01T12:00:00.000Z, before 2026-07-01T00:00:00.000Z']);
  });

  it('clips to the window and warns when nothing fires within it', () => {
    const from = ms('2026-01-02T00:00:00Z');
    const clipped = previewTrigger(cron('0 12 * * *'), {
      count: 10,
      from,
      startAt: ms('2026-01-05T00:00:00Z'),
      endAt: ms('2026-01-07T12:00:00Z'),
    });
    expect(clipped.fireTimes.map((e) => e.utc)).toEqual([
      '2026-01-05T12:00:00.000Z',
      '2026-01-06T12:00:00.000Z',
      '2026-01-07T12:00:00.000Z',
    ]);
    const never = previewTrigger(cron('0 0 1 1 *'), { count: 5, from, endAt: ms('2026-06-01T00:00:00Z') });
    expect(never.fireTimes).toEqual([]);
    expect(never.warnings).toEqual([
      'never fires: the first fire time 2027-01-01T00:00:00.000Z is after endAt 2026-06-01T00:00:00.000Z',
    ]);
  });

  it('warns when the first fire time is more than 5 years away', () => {
    // 2100 is not a leap year: from 2097 the next 29 February is in 2104.
    const p = previewTrigger(cron('0 0 29 2 *'), { count: 1, from: ms('2097-01-01T00:00:00Z') });
    expect(p.fireTimes.map((e) => e.utc)).toEqual(['2104-02-29T00:00:00.000Z']);
    expect(p.warnings).toEqual([
      'never fires: no fire time within 5 years of 2097-01-01T00:00:00.000Z (the first is 2104-02-29T00:00:00.000Z)',
    ]);
  });

  it('shows only the first fire time of an after-run trigger, with a warning', () => {
    const p = previewTrigger({ kind: 'after-run', delayMs: 5000 }, { count: 5, from: 1000, createdAt: 2000 });
    expect(p.fireTimes.map((e) => e.at)).toEqual([2000]);
    expect(p.warnings).toEqual([
      'after-run: only the first fire time is known; each later one is 5000 ms after the previous run ends',
    ]);
  });

  it('refuses a count outside 1..1000, naming count', () => {
    for (const count of [0, 1001, 2.5, Number.NaN]) {
      let error: unknown;
      try {
        previewTrigger(cron('* * * * *'), { count, from: 0 });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe('count');
    }
    expect(previewTrigger(cron('* * * * *'), { count: 1000, from: 0 }).fireTimes).toHaveLength(1000);
  });
});

describe('previewTrigger warnings about the expression', () => {
  const from = ms('2026-01-01T00:00:00Z');

  it('warns that day-of-month and day-of-week combine with OR', () => {
    const p = previewTrigger(cron('0 0 13 * FRI'), { count: 3, from });
    expect(p.fireTimes.map((e) => e.utc)).toEqual([
      '2026-01-02T00:00:00.000Z',
      '2026-01-09T00:00:00.000Z',
      '2026-01-13T00:00:00.000Z',
    ]);
    expect(p.warnings).toHaveLength(1);
    expect(p.warnings[0]).toMatch(
      /^day-of-month and day-of-week are both restricted: classic cron fires when EITHER matches/,
    );
    expect(previewTrigger(cron('0 0 13 * *'), { count: 1, from }).warnings).toEqual([]);
    expect(previewTrigger(cron('0 0 * * FRI'), { count: 1, from }).warnings).toEqual([]);
  });

  it('warns that 6 fields start with seconds, and that a seconds cron fires very often', () => {
    const hourly = previewTrigger(cron('0 0 * * * *'), { count: 2, from });
    expect(hourly.fireTimes.map((e) => e.utc)).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-01T01:00:00.000Z']);
    expect(hourly.warnings).toEqual([expect.stringMatching(/^6 fields: the first is seconds/)]);

    const often = previewTrigger(cron('*/5 * * * * *'), { count: 3, from });
    expect(often.warnings).toEqual([
      'fires 12 times in the next minute (about every 5 s)',
      expect.stringMatching(/^6 fields: the first is seconds/),
    ]);
    // Every 10 s is a deliberate choice, not a slip.
    expect(previewTrigger(cron('*/10 * * * * *'), { count: 3, from }).warnings).toHaveLength(1);
  });
});
