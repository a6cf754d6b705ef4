import { describe, expect, it } from 'vitest';
import { ValidationError } from '@rookery/core';
import { formatDuration, parseDuration } from '../src/options/duration.js';
import { parseJobOptions } from '../src/options/parse-job-options.js';
import { parseRateLimits } from '../src/options/rate-limits.js';
import { parseUnresolvedAfter } from '../src/options/retention.js';
import { formatTable } from '../src/output/table.js';

describe('parseUnresolvedAfter', () => {
  it('reads a duration or off', () => {
    expect(parseUnresolvedAfter('6h', '7d')).toBe(6 * 3_600_000);
    expect(parseUnresolvedAfter('off', '7d')).toBeNull();
    expect(parseUnresolvedAfter('30d', 'off')).toBe(30 * 86_400_000);
  });
  it('refuses a bound past --node-retention or a bad duration, naming --unresolved-after', () => {
    expect(() => parseUnresolvedAfter('8d', '7d')).toThrow(
      expect.objectContaining({ field: 'unresolved-after', message: expect.stringContaining('--node-retention') }),
    );
    expect(() => parseUnresolvedAfter('soon', '7d')).toThrow(expect.objectContaining({ field: 'unresolved-after' }));
  });
});

describe('parseDuration', () => {
  it('reads the units', () => {
    expect(parseDuration('x', '500ms')).toBe(500);
    expect(parseDuration('x', '1s')).toBe(1_000);
    expect(parseDuration('x', '1.5s')).toBe(1_500);
    expect(parseDuration('x', '5m')).toBe(300_000);
    expect(parseDuration('x', '1h')).toBe(3_600_000);
    expect(parseDuration('x', '1d')).toBe(86_400_000);
  });
  it('refuses anything else, naming the field', () => {
    for (const bad of ['-5s', '5', '5 s', '1m30s', 'soon', '', '0.5ms', '1e3ms', '5S']) {
      expect(() => parseDuration('every', bad)).toThrow(ValidationError);
      try {
        parseDuration('every', bad);
      } catch (err) {
        expect((err as ValidationError).field).toBe('every');
      }
    }
  });
  it('formats back', () => {
    expect(formatDuration(90_000)).toBe('90s');
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatDuration(1_500)).toBe('1500ms');
  });
});

describe('parseJobOptions', () => {
  it('turns --retries N into N + 1 attempts', () => {
    const input = parseJobOptions({
      name: 'a',
      exec: 'e',
      every: '5m',
      retries: '3',
      backoff: 'exponential:2s',
      timeout: '1m',
    });
    expect(input.trigger).toEqual({ kind: 'interval', everyMs: 300_000 });
    expect(input.policies).toEqual({
      retry: { kind: 'exponential', maxAttempts: 4, delayMs: 2_000 },
      timeoutMs: 60_000,
    });
  });
  it('maps each trigger option', () => {
    expect(parseJobOptions({ name: 'a', exec: 'e', cron: '0 3 * * *', tz: 'Europe/Berlin' }).trigger).toEqual({
      kind: 'cron',
      expr: '0 3 * * *',
      tz: 'Europe/Berlin',
    });
    expect(parseJobOptions({ name: 'a', exec: 'e', at: '2030-01-01T00:00:00Z' }).trigger).toEqual({
      kind: 'once',
      at: '2030-01-01T00:00:00Z',
    });
    expect(parseJobOptions({ name: 'a', exec: 'e', afterRun: '10s' }).trigger).toEqual({
      kind: 'after-run',
      delayMs: 10_000,
    });
    expect(parseJobOptions({ name: 'a', exec: 'e', every: '1s', retries: '0' }).policies).toEqual({
      retry: { kind: 'none', maxAttempts: 1 },
    });
  });
  it('names the field it refuses', () => {
    const field = (o: Parameters<typeof parseJobOptions>[0]): string | undefined => {
      try {
        parseJobOptions(o);
        return undefined;
      } catch (err) {
        return (err as ValidationError).field;
      }
    };
    expect(field({ name: 'a', exec: 'e', every: '1s', payload: '{' })).toBe('payload');
    expect(field({ name: 'a', exec: 'e', every: '1s', tz: 'UTC' })).toBe('tz');
    expect(field({ name: 'a', exec: 'e', every: '1s', retries: '-1' })).toBe('retries');
    expect(field({ name: 'a', exec: 'e', every: '1s', backoff: 'fixed:1s' })).toBe('retries');
    expect(field({ name: 'a', exec: 'e', every: '1s', timeout: '1 minute' })).toBe('timeout');
  });
});

describe('formatTable', () => {
  it('aligns columns and shows null as -', () => {
    const lines = formatTable(
      [
        { header: 'name', cell: (r: { n: string; v: number | null }) => r.n },
        { header: 'value', cell: (r) => r.v },
      ],
      [
        { n: 'a', v: 1 },
        { n: 'longer', v: null },
      ],
    );
    expect(lines).toEqual(['NAME    VALUE', 'a       1', 'longer  -']);
  });
});

describe('parseRateLimits', () => {
  it('reads EXECUTOR=N and EXECUTOR=N/s, and off where allowed', () => {
    expect(parseRateLimits('rate-limit', ['mail=5', 'sms=2/s'], false)).toEqual({ mail: 5, sms: 2 });
    expect(parseRateLimits('cluster-rate-limit', ['mail=off'], true)).toEqual({ mail: null });
    expect(parseRateLimits('rate-limit', [], false)).toEqual({});
  });

  it.each([['mail'], ['mail=0'], ['mail=1.5'], ['=3'], ['mail=off'], ['mail=-1']])(
    'refuses %s naming the option',
    (value) => {
      expect(() => parseRateLimits('rate-limit', [value], false)).toThrow(
        expect.objectContaining({ field: 'rate-limit' }),
      );
    },
  );

  it('refuses an executor named twice', () => {
    expect(() => parseRateLimits('rate-limit', ['a=1', 'a=2'], false)).toThrow(/named twice/);
  });
});
