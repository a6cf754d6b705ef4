import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors/validation-error.js';
import { parseInstant } from '../../src/trigger/instant-input.js';
import { canonicalTimeZone } from '../../src/trigger/time-zone-name.js';
import { validateTrigger } from '../../src/trigger/validate-trigger.js';

/** The ValidationError thrown by `fn` (fails the test if none, or another type). */
function rejection(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error('expected a ValidationError');
}
const cronError = (expr: unknown): ValidationError => rejection(() => validateTrigger({ kind: 'cron', expr }));

describe('validateTrigger: cron syntax', () => {
  it.each([
    ['* * *', /expected 5 fields .* got 3/],
    ['* * * * * * *', /got 7/],
    ['60 * * * *', /^trigger\.expr: minute field: 60 out of range 0-59$/],
    ['* 24 * * *', /hour field: 24 out of range 0-23/],
    ['* * 0 * *', /day-of-month field: 0 out of range 1-31/],
    ['* * * 13 *', /month field: 13 out of range 1-12/],
    ['* * * * 8', /day-of-week field: 8 out of range 0-7/],
    ['60 * * * * *', /second field: 60 out of range 0-59/],
    ['*/0 * * * *', /minute field: step 0/],
    ['0-59/0 * * * *', /minute field: step 0/],
    ['*/61 * * * *', /minute field: step 61 is larger/],
    ['5-1 * * * *', /minute field: reversed range 5-1/],
    ['* * * * FRI-MON', /day-of-week field: reversed range/],
    ['1,,2 * * * *', /minute field: empty list item/],
    ['1, * * * *', /minute field: empty list item/],
    ['5/10 * * * *', /a step needs/],
    ['* * L * *', /day-of-month field: unsupported token 'L'/],
    ['* * 15W * *', /unsupported token 'W'/],
    ['* * * * 5#2', /unsupported token '#'/],
    ['0 0 ? * *', /unsupported token '\?'/],
    ['0 12 1 * +MON', /unsupported token '\+'/],
    ['* * * FOO *', /month field: unknown name 'FOO'/],
    ['MON * * * *', /minute field: unknown name 'MON'/],
    ['1.5 * * * *', /cannot read '1.5'/],
    ['-1 * * * *', /cannot read '-1'/],
    ['١ * * * *', /non-ASCII/],
    ['* * * * *\n', /control character or line break/],
    ['*\t* * * *', /control character/],
    ['', /is empty/],
    ['   ', /is empty/],
    ['@reboot', /@reboot is not supported/],
    ['@fortnightly', /unknown nickname/],
    ['0 0 30 2 *', /never fires/],
    ['0 0 31 4 *', /never fires/],
    ['0 0 31 2,4,6,9,11 *', /never fires/],
    // Found by the oracle (seed 2): croner read SUN-SUN as 0-7, every day.
    ['0 0 * * SUN-SUN', /day-of-week field: 'SUN-SUN' is ambiguous/],
    ['0 0 * * sun-sun/2', /day-of-week field: 'SUN-SUN\/2' is ambiguous/],
    ['0 0 * * 0-SUN', /day-of-week field: '0-SUN' is ambiguous/],
  ])('rejects %j', (expr, message) => {
    const e = cronError(expr);
    expect(e.field).toBe('trigger.expr');
    expect(e.message).toMatch(message);
  });

  it('rejects long expressions and non-strings', () => {
    expect(cronError(`0 0 * * ${'1,'.repeat(130)}1`).message).toMatch(/longer than 256/);
    expect(cronError(5).field).toBe('trigger.expr');
    expect(cronError(undefined).field).toBe('trigger.expr');
  });

  it.each([
    ['0 9 * * MON-FRI', '0 9 * * MON-FRI'],
    ['  0   9 * *  1-5 ', '0 9 * * 1-5'],
    ['*/5 * * * * *', '*/5 * * * * *'],
    ['0 0 29 2 *', '0 0 29 2 *'],
    ['0 0 1 jan,jul sun', '0 0 1 jan,jul sun'],
    ['0 0 * * 7', '0 0 * * 7'],
    ['0 0 * * MON-SUN', '0 0 * * MON-SUN'],
    ['0-30/10 8-18/2 * * *', '0-30/10 8-18/2 * * *'],
    ['*/60 * * * *', '*/60 * * * *'],
    ['@DAILY', '@daily'],
    ['@hourly', '@hourly'],
  ])('accepts %j as %j', (expr, normalised) => {
    expect(validateTrigger({ kind: 'cron', expr })).toEqual({ kind: 'cron', expr: normalised, tz: 'UTC' });
  });
});

describe('validateTrigger: time zones', () => {
  it('normalises case and aliases to the name Intl resolves', () => {
    expect(validateTrigger({ kind: 'cron', expr: '0 9 * * *', tz: 'europe/berlin' })).toEqual({
      kind: 'cron',
      expr: '0 9 * * *',
      tz: 'Europe/Berlin',
    });
    expect(canonicalTimeZone('US/Eastern', 'tz')).toBe('America/New_York');
    expect(canonicalTimeZone('Etc/UTC', 'tz')).toBe('UTC');
    expect(canonicalTimeZone('Asia/Kolkata', 'tz')).toBe(
      new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Kolkata' }).resolvedOptions().timeZone,
    );
  });
  it.each([
    ['', /is empty/],
    ['Mars/Olympus_Mons', /unknown time zone/],
    ['+02:00', /raw offset/],
    ['-05:00', /raw offset/],
    ['UTC+2', /raw offset/],
    ['GMT-3', /raw offset/],
    ['Europe/Berlin\n', /not an IANA/],
    [42, /must be an IANA/],
  ])('rejects tz %j', (tz, message) => {
    const e = rejection(() => validateTrigger({ kind: 'cron', expr: '* * * * *', tz }));
    expect(e.field).toBe('trigger.tz');
    expect(e.message).toMatch(message);
  });
});

describe('validateTrigger: other kinds and fields', () => {
  it('checks kind and unknown keys', () => {
    expect(rejection(() => validateTrigger({ kind: 'weekly' })).field).toBe('trigger.kind');
    expect(rejection(() => validateTrigger(null)).field).toBe('trigger');
    expect(rejection(() => validateTrigger({ kind: 'once', at: 0, tz: 'UTC' })).field).toBe('trigger.tz');
    expect(rejection(() => validateTrigger({ kind: 'cron', expr: 'x' }, 'schedule.trigger')).field).toBe(
      'schedule.trigger.expr',
    );
  });
  it.each([0, -1000, 999, 1000.5, Number.NaN, Infinity, -Infinity, 100 * 366 * 86_400_000, '60000', null])(
    'rejects everyMs and delayMs %j',
    (value) => {
      expect(rejection(() => validateTrigger({ kind: 'interval', everyMs: value })).field).toBe('trigger.everyMs');
      expect(rejection(() => validateTrigger({ kind: 'after-run', delayMs: value })).field).toBe('trigger.delayMs');
    },
  );
  it('accepts periods from 1 s to 100 years and instants as ms or ISO with offset', () => {
    expect(validateTrigger({ kind: 'interval', everyMs: 1000 })).toEqual({ kind: 'interval', everyMs: 1000 });
    expect(
      validateTrigger({ kind: 'interval', everyMs: 3_155_760_000_000, anchor: '2026-01-01T00:00:00+01:00' }),
    ).toEqual({
      kind: 'interval',
      everyMs: 3_155_760_000_000,
      anchor: Date.parse('2025-12-31T23:00:00Z'),
    });
    expect(validateTrigger({ kind: 'once', at: '2026-05-01T12:00:00.123456Z' })).toEqual({
      kind: 'once',
      at: Date.parse('2026-05-01T12:00:00.123Z'),
    });
    expect(validateTrigger({ kind: 'after-run', delayMs: 5000, firstAt: 1_767_225_600_000 })).toEqual({
      kind: 'after-run',
      delayMs: 5000,
      firstAt: 1_767_225_600_000,
    });
    expect(validateTrigger({ kind: 'after-run', delayMs: 5000, firstAt: null })).toEqual({
      kind: 'after-run',
      delayMs: 5000,
    });
  });
  it('names the instant fields', () => {
    expect(rejection(() => validateTrigger({ kind: 'once' })).field).toBe('trigger.at');
    expect(rejection(() => validateTrigger({ kind: 'interval', everyMs: 1000, anchor: 'soon' })).field).toBe(
      'trigger.anchor',
    );
    expect(rejection(() => validateTrigger({ kind: 'after-run', delayMs: 1000, firstAt: 1.5 })).field).toBe(
      'trigger.firstAt',
    );
  });
});

describe('parseInstant', () => {
  it.each([
    ['2026-01-01T10:00:00Z', '2026-01-01T10:00:00.000Z'],
    ['2026-01-01t10:00:00z', '2026-01-01T10:00:00.000Z'],
    ['2026-01-01T10:00Z', '2026-01-01T10:00:00.000Z'],
    ['2026-01-01T10:00:00+05:30', '2026-01-01T04:30:00.000Z'],
    ['2026-01-01T10:00:00-0800', '2026-01-01T18:00:00.000Z'],
    ['2026-01-01T10:00:00+01', '2026-01-01T09:00:00.000Z'],
    ['2024-02-29T00:00:00.5Z', '2024-02-29T00:00:00.500Z'],
  ])('reads %j', (input, expected) => {
    expect(new Date(parseInstant(input, 'at')).toISOString()).toBe(expected);
  });
  it.each([
    ['2026-01-01T10:00:00', /needs an offset or Z/],
    ['2026-01-01', /needs a time and an offset/],
    ['2025-02-29T00:00:00Z', /not a valid date-time/],
    ['2026-13-01T00:00:00Z', /not a valid date-time/],
    ['2026-01-01T24:00:00Z', /not a valid date-time/],
    ['2026-01-01T10:00:60Z', /not a valid date-time/],
    ['2026-01-01T10:00:00+25:00', /invalid offset/],
    ['Jan 1 2026 10:00 GMT', /not an ISO-8601/],
    ['', /not an ISO-8601/],
    [8.64e15 + 1, /outside the Date range/],
    [-8.64e15 - 1, /outside the Date range/],
    [1.5, /whole number/],
    [Number.NaN, /whole number/],
    [Infinity, /whole number/],
    [null, /must be epoch ms/],
  ])('rejects %j', (input, message) => {
    const e = rejection(() => parseInstant(input, 'trigger.at'));
    expect(e.field).toBe('trigger.at');
    expect(e.message).toMatch(message);
  });
  it('accepts the Date range edges', () => {
    expect(parseInstant(8.64e15, 'at')).toBe(8.64e15);
    expect(parseInstant(-8.64e15, 'at')).toBe(-8.64e15);
  });
});
