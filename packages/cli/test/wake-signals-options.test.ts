import { describe, expect, it } from 'vitest';
import { ValidationError } from '@rookery/core';
import { parsePollWaits } from '../src/options/poll-waits.js';
import { resolveWakeSignals } from '../src/options/wake-signals.js';
import { cli, freshDb } from './helpers.js';

describe('--wake-signals', () => {
  it('auto is pg on a PostgreSQL URL and none otherwise; none is none', () => {
    expect(resolveWakeSignals('auto', 'postgres://u@db:5432/rookery')).toBe('pg');
    expect(resolveWakeSignals('auto', 'postgresql://u@db/rookery')).toBe('pg');
    expect(resolveWakeSignals('auto', 'sqlite:./x.db')).toBe('none');
    expect(resolveWakeSignals('auto', 'mysql://u@db/rookery')).toBe('none');
    expect(resolveWakeSignals('pg', 'postgres://u@db/rookery')).toBe('pg');
    expect(resolveWakeSignals('none', 'postgres://u@db/rookery')).toBe('none');
  });

  it('refuses pg on a URL that is not PostgreSQL, and an unknown mode, naming the option', () => {
    expect(() => resolveWakeSignals('pg', 'sqlite:./x.db')).toThrow(expect.objectContaining({ field: 'wake-signals' }));
    expect(() => resolveWakeSignals('redis', 'postgres://u@db/rookery')).toThrow(ValidationError);
  });

  it('rookery node --wake-signals pg on SQLite exits with the validation error before starting', async () => {
    const r = await cli(['node', '--db', freshDb(), '--wake-signals', 'pg']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('wake-signals');
  });
});

describe('--poll-waits', () => {
  it('reads comma-separated milliseconds', () => {
    expect(parsePollWaits('200,300, 250,350')).toEqual([200, 300, 250, 350]);
    expect(parsePollWaits('60000')).toEqual([60_000]);
  });

  it('refuses anything else, naming the option', () => {
    for (const bad of ['', '0', '1s', '200,,300', '-5', '700000', '1.5']) {
      expect(() => parsePollWaits(bad), bad).toThrow(expect.objectContaining({ field: 'poll-waits' }));
    }
  });
});
