import { describe, expect, it } from 'vitest';
import { resolveWall, wallTimeAt, zoneOffsetMs } from '../../src/trigger/wall-clock.js';

const ms = (iso: string): number => Date.parse(iso);
const isos = (xs: number[]): string[] => xs.map((x) => new Date(x).toISOString());
const H = 3_600_000;

describe('zoneOffsetMs', () => {
  it('reads offsets from Intl, DST included', () => {
    expect(zoneOffsetMs('America/New_York', ms('2026-01-15T12:00:00Z'))).toBe(-5 * H);
    expect(zoneOffsetMs('America/New_York', ms('2026-07-15T12:00:00Z'))).toBe(-4 * H);
    expect(zoneOffsetMs('Asia/Kolkata', ms('2026-01-15T12:00:00Z'))).toBe(5.5 * H);
    expect(zoneOffsetMs('Australia/Lord_Howe', ms('2026-01-15T12:00:00Z'))).toBe(11 * H);
    expect(zoneOffsetMs('Australia/Lord_Howe', ms('2026-07-15T12:00:00Z'))).toBe(10.5 * H);
    expect(zoneOffsetMs('UTC', ms('2026-07-15T12:00:00Z'))).toBe(0);
  });
  it('switches exactly at the transition instant', () => {
    expect(zoneOffsetMs('America/New_York', ms('2026-03-08T06:59:59.999Z'))).toBe(-5 * H);
    expect(zoneOffsetMs('America/New_York', ms('2026-03-08T07:00:00Z'))).toBe(-4 * H);
  });
  it('stays right when queried back and forth across transitions (span cache)', () => {
    const points = ['2026-03-08T06:59:59Z', '2026-03-08T07:00:00Z', '2026-03-07T07:00:00Z', '2026-03-09T07:00:00Z'];
    for (let round = 0; round < 3; round++) {
      expect(points.map((p) => zoneOffsetMs('America/New_York', ms(p)) / H)).toEqual([-5, -4, -5, -4]);
    }
  });
  it('gives the wall time of an instant', () => {
    expect(new Date(wallTimeAt('Europe/Berlin', ms('2026-07-01T10:00:00Z'))).toISOString()).toBe(
      '2026-07-01T12:00:00.000Z',
    );
  });
});

describe('resolveWall', () => {
  it('maps an ordinary wall time to one instant', () => {
    const r = resolveWall('Europe/Berlin', ms('2026-07-01T12:00:00Z'));
    expect(r.kind).toBe('normal');
    expect(isos(r.instants)).toEqual(['2026-07-01T10:00:00.000Z']);
  });
  it('maps a skipped wall time to the instant the clocks jumped', () => {
    const r = resolveWall('America/New_York', ms('2026-03-08T02:30:00Z'));
    expect(r.kind).toBe('gap');
    expect(isos(r.instants)).toEqual(['2026-03-08T07:00:00.000Z']);
    const lh = resolveWall('Australia/Lord_Howe', ms('2025-10-05T02:10:00Z'));
    expect(lh.kind).toBe('gap');
    expect(isos(lh.instants)).toEqual(['2025-10-04T15:30:00.000Z']);
  });
  it('maps a repeated wall time to both instants, ascending', () => {
    const r = resolveWall('America/New_York', ms('2026-11-01T01:30:00Z'));
    expect(r.kind).toBe('overlap');
    expect(isos(r.instants)).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z']);
    const lh = resolveWall('Australia/Lord_Howe', ms('2025-04-06T01:45:00Z'));
    expect(isos(lh.instants)).toEqual(['2025-04-05T14:45:00.000Z', '2025-04-05T15:15:00.000Z']);
  });
  it('treats the first wall time after a gap and the edges of an overlap correctly', () => {
    expect(isos(resolveWall('America/New_York', ms('2026-03-08T03:00:00Z')).instants)).toEqual([
      '2026-03-08T07:00:00.000Z',
    ]);
    expect(resolveWall('America/New_York', ms('2026-11-01T01:00:00Z')).kind).toBe('overlap');
    expect(resolveWall('America/New_York', ms('2026-11-01T02:00:00Z')).kind).toBe('normal');
    expect(resolveWall('America/Santiago', ms('2025-09-07T00:00:00Z')).kind).toBe('gap');
    expect(resolveWall('America/Havana', ms('2025-11-02T00:00:00Z')).kind).toBe('overlap');
  });
});
