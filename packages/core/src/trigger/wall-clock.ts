/**
 * Time-zone conversion between instants (epoch ms, UTC) and wall-clock times of an IANA zone.
 *
 * A *wall time* is a local date and time written as if it were a UTC instant: 02:30 on
 * 2026-03-08 in New York is the number `Date.UTC(2026, 2, 8, 2, 30)`. Every answer comes from
 * `Intl.DateTimeFormat` (the tz database shipped with Node), never from the process's own zone.
 * Cron matching happens on wall times; this file only converts.
 *
 * Assumption: a zone changes its offset at most once within any two days. A scan of every zone
 * Node 20 knows, 1970–2037 in 6-hour steps, found no two changes closer than that.
 */

const MS_DAY = 86_400_000;

/** One formatter per zone: constructing `Intl.DateTimeFormat` costs far more than using one. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      numberingSystem: 'latn',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** `Date.UTC` without its 0..99 → 1900..1999 year mapping. */
function utcFromFields(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  if (y >= 100) return Date.UTC(y, mo - 1, d, h, mi, s);
  const dt = new Date(0);
  dt.setUTCFullYear(y, mo - 1, d);
  dt.setUTCHours(h, mi, s, 0);
  return dt.getTime();
}

/** Offset of `tz` at `instant`, straight from `Intl`. */
function offsetFromIntl(tz: string, instant: number): number {
  const second = Math.floor(instant / 1000) * 1000;
  // en-US numeric order is month, day, year, hour, minute, second whatever the separators.
  const digits = formatterFor(tz).format(second).match(/\d+/g);
  if (digits === null || digits.length !== 6) {
    throw new RangeError(`cannot read the wall time of ${tz} at ${second}`);
  }
  const [mo, d, y, h, mi, s] = digits.map(Number) as [number, number, number, number, number, number];
  return utcFromFields(y, mo, d, h === 24 ? 0 : h, mi, s) - second;
}

/** A closed range of instants over which a zone's offset is known to be constant. */
interface Span {
  lo: number;
  hi: number;
  offset: number;
}

/**
 * Per zone, the range of instants around the latest lookups over which the offset is known
 * constant. Two lookups at most one day apart with equal offsets prove the offset constant in
 * between (a zone changes at most once within two days), and overlapping such ranges chain.
 * A node asking about steadily advancing instants therefore mostly skips `Intl`.
 */
const spans = new Map<string, Span>();

/**
 * The UTC offset of zone `tz` at `instant`, in ms (wall time minus instant; New York in winter
 * gives −18 000 000). Whole seconds, as historic local-mean-time offsets have seconds.
 *
 * @param tz - a zone name `Intl` accepts
 * @param instant - epoch ms
 */
export function zoneOffsetMs(tz: string, instant: number): number {
  if (tz === 'UTC') return 0;
  const span = spans.get(tz);
  if (span !== undefined && instant >= span.lo && instant <= span.hi) return span.offset;
  const offset = offsetFromIntl(tz, instant);
  if (span !== undefined && span.offset === offset && instant > span.hi && instant - span.hi <= MS_DAY) {
    span.hi = instant;
  } else if (span !== undefined && span.offset === offset && instant < span.lo && span.lo - instant <= MS_DAY) {
    span.lo = instant;
  } else {
    spans.set(tz, { lo: instant, hi: instant, offset });
  }
  return offset;
}

/**
 * The wall time of zone `tz` at `instant` (see the file comment for what a wall time is).
 *
 * @param tz - a zone name `Intl` accepts
 * @param instant - epoch ms
 */
export function wallTimeAt(tz: string, instant: number): number {
  return instant + zoneOffsetMs(tz, instant);
}

/**
 * The first instant in `(lo, hi]` whose offset differs from the offset at `lo`, found by
 * bisection (about 27 `Intl` calls for a one-day range). Callers guarantee that the offset at
 * `hi` differs from the one at `lo` and that there is one change in between.
 *
 * @param tz - a zone name `Intl` accepts
 * @param lo - an instant before the change
 * @param hi - an instant at or after the change
 */
export function offsetChangeBetween(tz: string, lo: number, hi: number): number {
  const before = zoneOffsetMs(tz, lo);
  let a = lo;
  let b = hi;
  while (b - a > 1) {
    const mid = Math.floor((a + b) / 2);
    if (zoneOffsetMs(tz, mid) === before) a = mid;
    else b = mid;
  }
  return b;
}

/** How a wall time maps to instants in one zone. */
export interface WallResolution {
  /**
   * `normal`: the wall time happens once. `overlap`: twice (a repeated hour, clocks went
   * back). `gap`: never (a skipped hour, clocks went forward).
   */
  kind: 'normal' | 'gap' | 'overlap';
  /**
   * Ascending instants: the one occurrence, or both occurrences of an overlap. For a gap, the
   * single instant at which the clocks jumped over it (the first instant after the gap).
   */
  instants: number[];
}

/**
 * Map a wall time to the instants at which the zone's clocks show it: 0 (gap), 1 or 2
 * (overlap). A gap reports the transition instant instead, so that callers can run a skipped
 * time "right after the gap".
 *
 * @param tz - a zone name `Intl` accepts
 * @param wall - a wall time (local time written as a UTC instant)
 */
export function resolveWall(tz: string, wall: number): WallResolution {
  if (tz === 'UTC') return { kind: 'normal', instants: [wall] };
  // Offsets lie within ±1 day, so the instants showing `wall` lie inside (wall − 1d, wall + 1d):
  // the offsets at both ends are the only candidates (Temporal's algorithm).
  const early = zoneOffsetMs(tz, wall - MS_DAY);
  const late = zoneOffsetMs(tz, wall + MS_DAY);
  const instants: number[] = [];
  for (const offset of early === late ? [early] : [early, late]) {
    const t = wall - offset;
    if (zoneOffsetMs(tz, t) === offset) instants.push(t);
  }
  if (instants.length === 2) {
    instants.sort((x, y) => x - y);
    return { kind: 'overlap', instants };
  }
  if (instants.length === 1) return { kind: 'normal', instants };
  // A gap: the clocks jumped from `early` to `late` (late > early) at some T with
  // T + early <= wall < T + late, so T lies in (wall − late, wall − early].
  return { kind: 'gap', instants: [offsetChangeBetween(tz, wall - late, wall - early)] };
}

/**
 * The latest wall time shown at or before `instant` (ms precision): the wall time at
 * `instant`, or, in the repeated hour after clocks went back, the wall time just before they
 * did. Every wall time above it first occurs after `instant`.
 *
 * @param tz - a zone name `Intl` accepts
 * @param instant - epoch ms
 */
export function latestWallShownBy(tz: string, instant: number): number {
  const now = zoneOffsetMs(tz, instant);
  const dayBefore = zoneOffsetMs(tz, instant - MS_DAY);
  if (dayBefore <= now) return instant + now;
  const change = offsetChangeBetween(tz, instant - MS_DAY, instant);
  return Math.max(instant + now, change - 1 + dayBefore);
}

/**
 * The earliest wall time that still occurs, or that a gap maps to an instant, after
 * `instant`: every wall time below it last occurs at or before `instant`.
 *
 * @param tz - a zone name `Intl` accepts
 * @param instant - epoch ms
 */
export function earliestWallAfter(tz: string, instant: number): number {
  const next = instant + 1;
  const atInstant = zoneOffsetMs(tz, instant);
  let low = next + Math.min(atInstant, zoneOffsetMs(tz, next));
  const dayAfter = zoneOffsetMs(tz, instant + MS_DAY);
  if (dayAfter < atInstant) {
    low = Math.min(low, offsetChangeBetween(tz, instant, instant + MS_DAY) + dayAfter);
  }
  return low;
}
