import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DstPolicy } from '../../src/model/policies.js';
import { nextFireTime } from '../../src/trigger/next-fire.js';

/**
 * nextFireTime against a brute force written independently of it: walk every minute, read the
 * local wall fields with Intl.formatToParts, match them against the cron's field sets, and
 * apply the DST rule by looking at which wall times are skipped or seen twice.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const LOOKBACK = 3 * HOUR;
const WINDOW = 3 * 24 * HOUR;
const SEED = Number(process.env['FC_SEED'] ?? 20260308);

/** Known DST transitions, to aim at. Wrong entries would only make the test less pointed. */
const TRANSITIONS: Record<string, string[]> = {
  'America/New_York': ['2025-03-09T07:00:00Z', '2025-11-02T06:00:00Z', '2026-03-08T07:00:00Z', '2026-11-01T06:00:00Z'],
  'Europe/Berlin': ['2025-03-30T01:00:00Z', '2025-10-26T01:00:00Z'],
  'Australia/Lord_Howe': ['2025-04-05T15:00:00Z', '2025-10-04T15:30:00Z'],
  'America/Santiago': ['2025-04-06T03:00:00Z', '2025-09-07T04:00:00Z'],
  'America/Havana': ['2025-03-09T05:00:00Z', '2025-11-02T05:00:00Z'],
  'Asia/Kolkata': ['2025-06-01T00:00:00Z'],
  UTC: ['2025-06-01T00:00:00Z'],
};

interface Fields {
  minute: number[] | null; // null = '*'
  hour: number[] | null;
  dom: number[] | null;
  dow: number[] | null;
}

const list = (min: number, max: number, weighted: number[] = []): fc.Arbitrary<number[]> =>
  fc
    .uniqueArray(fc.oneof(fc.integer({ min, max }), ...(weighted.length ? [fc.constantFrom(...weighted)] : [])), {
      minLength: 1,
      maxLength: 3,
    })
    .map((xs) => [...xs].sort((a, b) => a - b));
const field = (min: number, max: number, weighted: number[] = [], star = 2): fc.Arbitrary<number[] | null> =>
  fc.oneof({ weight: star, arbitrary: fc.constant(null) }, { weight: 3, arbitrary: list(min, max, weighted) });

const fieldsArb: fc.Arbitrary<Fields> = fc.record({
  minute: fc.oneof(
    field(0, 59, [0, 15, 30, 45]),
    fc.constantFrom(5, 10, 15, 20, 30).map((s) => Array.from({ length: 60 / s }, (_, i) => i * s)),
  ),
  hour: field(0, 23, [0, 1, 2, 3, 23]),
  dom: field(1, 31, [1, 6, 7, 9, 29, 31], 6),
  dow: field(0, 6, [0, 6], 5),
});

const exprOf = (f: Fields): string =>
  [f.minute, f.hour, f.dom, null, f.dow].map((xs) => (xs === null ? '*' : xs.join(','))).join(' ');

/** Brute-force reading of local wall fields, memoised per zone and minute. */
const walls = new Map<string, number>();
const formatters = new Map<string, Intl.DateTimeFormat>();
function wallOf(tz: string, minuteInstant: number): number {
  const key = `${tz}|${minuteInstant}`;
  let wall = walls.get(key);
  if (wall === undefined) {
    let f = formatters.get(tz);
    if (f === undefined) {
      f = new Intl.DateTimeFormat('en-GB', {
        timeZone: tz,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      });
      formatters.set(tz, f);
    }
    const p = Object.fromEntries(f.formatToParts(minuteInstant).map((x) => [x.type, Number(x.value)]));
    wall = Date.UTC(p['year']!, p['month']! - 1, p['day']!, p['hour']! % 24, p['minute']!);
    walls.set(key, wall);
  }
  return wall;
}

function matches(f: Fields, wall: number): boolean {
  const d = new Date(wall);
  const has = (xs: number[] | null, v: number): boolean => xs === null || xs.includes(v);
  if (!has(f.minute, d.getUTCMinutes()) || !has(f.hour, d.getUTCHours())) return false;
  const dom = has(f.dom, d.getUTCDate());
  const dow = has(f.dow, d.getUTCDay());
  return f.dom === null || f.dow === null ? dom && dow : dom || dow;
}

/** First fire in (after, after + WINDOW] by brute force, or null if none in that window. */
function bruteNext(f: Fields, tz: string, after: number, dst: DstPolicy): number | null {
  const start = Math.floor((after - LOOKBACK) / MIN) * MIN;
  const end = after + WINDOW + LOOKBACK;
  const instants: number[] = [];
  for (let m = start; m <= end; m += MIN) instants.push(m);
  const wallList = instants.map((m) => wallOf(tz, m));
  const firstIndex = new Map<number, number>();
  const lastIndex = new Map<number, number>();
  wallList.forEach((w, i) => {
    if (!firstIndex.has(w)) firstIndex.set(w, i);
    lastIndex.set(w, i);
  });
  const fires: number[] = [];
  for (let i = 1; i < instants.length; i++) {
    const m = instants[i]!;
    const w = wallList[i]!;
    const prev = wallList[i - 1]!;
    if (dst.gap === 'run-after-gap') {
      for (let skipped = prev + MIN; skipped < w; skipped += MIN) {
        if (matches(f, skipped)) {
          fires.push(m);
          break;
        }
      }
    }
    if (!matches(f, w)) continue;
    const repeated = firstIndex.get(w) !== lastIndex.get(w);
    if (!repeated || dst.overlap === 'both') fires.push(m);
    else if (dst.overlap === 'first' && firstIndex.get(w) === i) fires.push(m);
    else if (dst.overlap === 'last' && lastIndex.get(w) === i) fires.push(m);
  }
  const next = fires.filter((t) => t > after && t <= after + WINDOW).sort((a, b) => a - b)[0];
  return next ?? null;
}

const caseArb = fc
  .record({
    fields: fieldsArb,
    tz: fc.constantFrom(...Object.keys(TRANSITIONS)),
    pick: fc.nat(),
    shift: fc.integer({ min: -30 * HOUR, max: 30 * HOUR }),
    aligned: fc.boolean(),
    gap: fc.constantFrom<DstPolicy['gap']>('run-after-gap', 'skip'),
    overlap: fc.constantFrom<DstPolicy['overlap']>('first', 'last', 'both'),
  })
  .map(({ fields, tz, pick, shift, aligned, gap, overlap }) => {
    const list = TRANSITIONS[tz]!;
    const base = Date.parse(list[pick % list.length]!) + shift;
    return { fields, tz, after: aligned ? Math.floor(base / MIN) * MIN : base, dst: { gap, overlap } };
  });

describe('nextFireTime property', () => {
  it('equals a minute-by-minute brute force through Intl, near DST transitions', () => {
    fc.assert(
      fc.property(caseArb, ({ fields, tz, after, dst }) => {
        const expr = exprOf(fields);
        const actual = nextFireTime({ kind: 'cron', expr, tz }, after, { dst, createdAt: 0 });
        const expected = bruteNext(fields, tz, after, dst);
        const label = `${expr} in ${tz} after ${new Date(after).toISOString()} ${JSON.stringify(dst)} (seed ${SEED})`;
        if (expected !== null) expect(actual, label).toBe(expected);
        else expect(actual === null || actual > after + WINDOW, label).toBe(true);
      }),
      { numRuns: Number(process.env['FC_RUNS'] ?? 200), seed: SEED },
    );
  });
});
