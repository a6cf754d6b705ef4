/**
 * The oracle's reference: fire times found by brute force, written without croner and without
 * any of Rookery's trigger code. It walks real instants on a grid (every minute, or every second
 * for expressions with a seconds field), reads the wall clock each instant shows through `Intl`,
 * matches that wall clock against the cron fields expanded here, and applies the DST rules from
 * their definitions:
 *
 * - a matching wall time shown once fires at that instant;
 * - one shown twice (clocks went back) fires on its first occurrence, its last, or both;
 * - one never shown (clocks jumped over it) fires at the instant the clocks jumped, or not at all.
 *
 * Stated assumptions, each checked where it is used (a violation throws, it never passes
 * silently): a zone changes its offset at most once within one hour; every change lands on the
 * walk's grid; no change moves the clock by {@link REACH} or more.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * How far before and after a range the walk looks so that both occurrences of a repeated wall
 * time, and every showing of a skipped one, fall inside it. Larger than any offset change met.
 */
const REACH = 3 * HOUR;

/** Entries kept per memo before it is emptied, so that long runs stay within memory. */
const MEMO_LIMIT = 2_000_000;

/** The offsets of one zone as `Intl` reports them, memoised per whole hour. */
export class ZoneClock {
  /** The IANA zone name. */
  readonly tz: string;
  private readonly formatter: Intl.DateTimeFormat;
  private readonly hourly = new Map<number, number>();
  private readonly changes = new Map<number, number>();

  /** @param tz - an IANA zone name */
  constructor(tz: string) {
    this.tz = tz;
    this.formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone: tz,
      calendar: 'gregory',
      numberingSystem: 'latn',
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  }

  /**
   * Wall clock minus instant at the whole second `t`, read from `Intl` without any memo.
   *
   * @param t - epoch ms, a whole second
   */
  offsetByIntl(t: number): number {
    // en-GB numeric: day/month/year, hour:minute:second
    const m = /^(\d{2})\/(\d{2})\/(\d{4}), (\d{2}):(\d{2}):(\d{2})$/.exec(this.formatter.format(t));
    if (m === null) throw new Error(`oracle: cannot read the wall clock of ${this.tz} at ${t}`);
    const [day, month, year, hour, minute, second] = m.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    return Date.UTC(year, month - 1, day, hour % 24, minute, second) - t;
  }

  /** The offset at the start of hour number `n` (hours since the epoch). */
  offsetAtHour(n: number): number {
    let offset = this.hourly.get(n);
    if (offset === undefined) {
      if (this.hourly.size >= MEMO_LIMIT) this.hourly.clear();
      offset = this.offsetByIntl(n * HOUR);
      this.hourly.set(n, offset);
    }
    return offset;
  }

  /**
   * The first whole second in hour number `n` (after its start, up to the next hour's start) whose offset differs from the offset at `h`,
   * walking minutes and then seconds through `Intl`.
   */
  private changeInHour(n: number): number {
    let found = this.changes.get(n);
    if (found !== undefined) return found;
    const h = n * HOUR;
    const before = this.offsetAtHour(n);
    let minute = h + MINUTE;
    while (minute < h + HOUR && this.offsetByIntl(minute) === before) minute += MINUTE;
    let second = minute - MINUTE + SECOND;
    while (this.offsetByIntl(second) === before) second += SECOND;
    found = second;
    if (this.changes.size >= MEMO_LIMIT) this.changes.clear();
    this.changes.set(n, found);
    return found;
  }

  /**
   * Wall clock minus instant at whole second `t`. Within an hour whose two ends show the same
   * offset the offset is taken as constant (a zone changes at most once within an hour);
   * otherwise the change is located to the second.
   *
   * @param t - epoch ms, a whole second
   */
  offsetAt(t: number): number {
    const n = Math.floor(t / HOUR);
    const a = this.offsetAtHour(n);
    const b = this.offsetAtHour(n + 1);
    if (a === b) return a;
    return t < this.changeInHour(n) ? a : b;
  }

  /**
   * The instant of the single offset change in `(lo, hi]`, to the second; callers know the
   * offsets at `lo` and `hi` differ.
   *
   * @param lo - epoch ms, a whole second
   * @param hi - epoch ms, a whole second
   */
  changeBetween(lo: number, hi: number): number {
    const before = this.offsetAt(lo);
    let a = lo;
    let b = hi;
    while (b - a > SECOND) {
      const mid = a + Math.floor((b - a) / SECOND / 2) * SECOND;
      if (this.offsetAt(mid) === before) a = mid;
      else b = mid;
    }
    return b;
  }

  /**
   * The offset changes from `fromYear` to `toYear` (exclusive), found by sampling once a week
   * and bisecting to the second (two changes within a week would be missed, which only makes
   * the aim less sharp). Used to aim start instants at transitions.
   *
   * @param fromYear - first year scanned
   * @param toYear - year the scan stops at
   */
  transitions(fromYear: number, toYear: number): number[] {
    const out: number[] = [];
    const end = Date.UTC(toYear, 0, 1);
    let t = Date.UTC(fromYear, 0, 1);
    let offset = this.offsetByIntl(t);
    for (; t < end; t += 7 * DAY) {
      const next = this.offsetByIntl(t + 7 * DAY);
      if (next !== offset) {
        let a = t;
        let b = t + 7 * DAY;
        while (b - a > SECOND) {
          const mid = a + Math.floor((b - a) / SECOND / 2) * SECOND;
          if (this.offsetByIntl(mid) === offset) a = mid;
          else b = mid;
        }
        out.push(b);
      }
      offset = next;
    }
    return out;
  }
}

/** One item of a cron field, as the oracle generates it. */
export type CronItem =
  | { kind: 'star' }
  | { kind: 'star-step'; step: number }
  | { kind: 'value'; value: number; name: boolean }
  | { kind: 'range'; from: number; to: number; step: number | null; name: boolean };

/** The fields of a generated cron expression; `second` is null for a 5-field expression. */
export interface CronSpec {
  /** Seconds field, or null for 5 fields (seconds 0). */
  second: CronItem[] | null;
  /** Minute field items. */
  minute: CronItem[];
  /** Hour field items. */
  hour: CronItem[];
  /** Day-of-month field items. */
  dom: CronItem[];
  /** Month field items. */
  month: CronItem[];
  /** Day-of-week field items (0 and 7 are Sunday). */
  dow: CronItem[];
  /** A nickname the expression is written as (`@daily`), when it is one. */
  nickname: string | null;
}

/** Range and names of each field. */
export const FIELD_RANGES = {
  second: { min: 0, max: 59, names: null },
  minute: { min: 0, max: 59, names: null },
  hour: { min: 0, max: 23, names: null },
  dom: { min: 1, max: 31, names: null },
  month: {
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  dow: { min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] },
} as const;

/** The name of a cron field. */
export type FieldName = keyof typeof FIELD_RANGES;

function itemText(item: CronItem, field: FieldName): string {
  const { min, names } = FIELD_RANGES[field];
  const word = (v: number, useName: boolean): string =>
    useName && names !== null ? (names[v - (field === 'month' ? min : 0)] as string) : String(v);
  switch (item.kind) {
    case 'star':
      return '*';
    case 'star-step':
      return `*/${item.step}`;
    case 'value':
      return word(item.value, item.name);
    case 'range':
      return `${word(item.from, item.name)}-${word(item.to, item.name)}${item.step === null ? '' : `/${item.step}`}`;
  }
}

/** The cron expression text of a spec. */
export function cronText(spec: CronSpec): string {
  if (spec.nickname !== null) return spec.nickname;
  const f = (items: CronItem[], field: FieldName): string => items.map((i) => itemText(i, field)).join(',');
  const five = [
    f(spec.minute, 'minute'),
    f(spec.hour, 'hour'),
    f(spec.dom, 'dom'),
    f(spec.month, 'month'),
    f(spec.dow, 'dow'),
  ];
  return (spec.second === null ? five : [f(spec.second, 'second'), ...five]).join(' ');
}

/** The values a field allows, by the classic definition; day-of-week 7 is read as 0. */
function expand(items: CronItem[], field: FieldName): boolean[] {
  const { min, max } = FIELD_RANGES[field];
  const on = new Array<boolean>(max + 1).fill(false);
  const set = (v: number): void => {
    on[field === 'dow' && v === 7 ? 0 : v] = true;
  };
  for (const item of items) {
    if (item.kind === 'star') for (let v = min; v <= max; v++) set(v);
    else if (item.kind === 'star-step') for (let v = min; v <= max; v += item.step) set(v);
    else if (item.kind === 'value') set(item.value);
    else for (let v = item.from; v <= item.to; v += item.step ?? 1) set(v);
  }
  return on;
}

/** A spec compiled for fast matching of wall times. */
export interface CronMatcher {
  /** True for a 6-field expression: the walk steps by seconds. */
  seconds: boolean;
  /** Whether the wall time `w` (local time written as a UTC instant, whole seconds) matches. */
  matches(w: number): boolean;
  /** Whether any calendar day matches the day fields (month, day-of-month, day-of-week). */
  dayMatches(dayNumber: number): boolean;
}

/**
 * Compile a spec. Day-of-month and day-of-week, when both are restricted (neither is exactly
 * `*`), combine with OR; otherwise a day must satisfy both.
 */
export function cronMatcher(spec: CronSpec): CronMatcher {
  const second =
    spec.second === null ? expand([{ kind: 'value', value: 0, name: false }], 'second') : expand(spec.second, 'second');
  const minute = expand(spec.minute, 'minute');
  const hour = expand(spec.hour, 'hour');
  const dom = expand(spec.dom, 'dom');
  const month = expand(spec.month, 'month');
  const dow = expand(spec.dow, 'dow');
  const isStar = (items: CronItem[]): boolean => items.length === 1 && items[0]?.kind === 'star';
  const either = !isStar(spec.dom) && !isStar(spec.dow);
  const days = new Map<number, boolean>();
  const dayMatches = (n: number): boolean => {
    let m = days.get(n);
    if (m === undefined) {
      const d = new Date(n * DAY);
      const byDom = dom[d.getUTCDate()] === true;
      const byDow = dow[d.getUTCDay()] === true;
      m = month[d.getUTCMonth() + 1] === true && (either ? byDom || byDow : byDom && byDow);
      if (days.size >= MEMO_LIMIT) days.clear();
      days.set(n, m);
    }
    return m;
  };
  return {
    seconds: spec.second !== null,
    dayMatches,
    matches(w) {
      const n = Math.floor(w / DAY);
      const s = Math.floor((w - n * DAY) / SECOND);
      return (
        second[s % 60] === true &&
        minute[Math.floor(s / 60) % 60] === true &&
        hour[Math.floor(s / 3600)] === true &&
        dayMatches(n)
      );
    },
  };
}

/** The DST rules, as in a schedule's policies. */
export interface DstRule {
  /** A skipped wall time: fire when the clocks jumped over it, or not at all. */
  gap: 'run-after-gap' | 'skip';
  /** A repeated wall time: fire on its first showing, its last, or both. */
  overlap: 'first' | 'last' | 'both';
}

/**
 * Every fire instant in `(from, to]`, ascending, by walking every grid instant of
 * `[from − REACH, to + REACH]`.
 *
 * @param m - the compiled cron fields
 * @param clock - the zone
 * @param from - exclusive, epoch ms
 * @param to - inclusive, epoch ms
 * @param dst - the DST rules
 */
export function referenceFires(m: CronMatcher, clock: ZoneClock, from: number, to: number, dst: DstRule): number[] {
  const step = m.seconds ? SECOND : MINUTE;
  const start = Math.floor((from - REACH) / step) * step;
  const end = to + REACH;
  const shown = new Map<number, number[]>();
  const skipped: { wall: number; at: number }[] = [];
  let prevT = NaN;
  let prevWall = NaN;
  const visit = (t: number, offset: number): void => {
    if (offset % step !== 0) throw new Error(`oracle: offset ${offset} of ${clock.tz} is off the ${step} ms grid`);
    const wall = t + offset;
    if (!Number.isNaN(prevWall) && wall - prevWall !== step) {
      // The clocks changed between the previous grid instant and this one.
      const change = clock.changeBetween(prevT, t);
      if (change !== t) throw new Error(`oracle: ${clock.tz} changes offset at ${change}, off the ${step} ms grid`);
      if (Math.abs(wall - prevWall - step) >= REACH)
        throw new Error(`oracle: ${clock.tz} shifts by REACH or more at ${t}`);
      for (let w = prevWall + step; w < wall; w += step) if (m.matches(w)) skipped.push({ wall: w, at: t });
    }
    if (m.matches(wall)) {
      const list = shown.get(wall);
      if (list === undefined) shown.set(wall, [t]);
      else list.push(t);
    }
    prevT = t;
    prevWall = wall;
  };
  // Every grid instant is visited, an hour of the walk at a time. An hour whose offset is
  // steady shows consecutive wall times; when they continue the previous hour's and their
  // (at most two) calendar days do not match, no instant in it can match or skip a wall time,
  // and the hour is passed over in one step.
  let t = start;
  while (t <= end) {
    const n = Math.floor(t / HOUR);
    const last = Math.min((n + 1) * HOUR - step, start + Math.floor((end - start) / step) * step);
    const a = clock.offsetAtHour(n);
    const steady = a === clock.offsetAtHour(n + 1);
    if (
      steady &&
      !Number.isNaN(prevWall) &&
      t + a - prevWall === step &&
      a % step === 0 &&
      !m.dayMatches(Math.floor((t + a) / DAY)) &&
      !m.dayMatches(Math.floor((last + a) / DAY))
    ) {
      prevT = last;
      prevWall = last + a;
    } else {
      for (let u = t; u <= last; u += step) visit(u, steady ? a : clock.offsetAt(u));
    }
    t = last + step;
  }
  const fires = new Set<number>();
  for (const instants of shown.values()) {
    if (instants.length === 1 || dst.overlap === 'both') for (const t of instants) fires.add(t);
    else fires.add((dst.overlap === 'first' ? instants[0] : instants[instants.length - 1]) as number);
  }
  if (dst.gap === 'run-after-gap') {
    for (const { wall, at } of skipped) if (!shown.has(wall)) fires.add(at);
  }
  return [...fires].filter((t) => t > from && t <= to).sort((a, b) => a - b);
}

/**
 * Whether the day fields match any date at all: every day of 2024–2031 (two leap years) is
 * tried, which covers every month length and weekday combination.
 */
export function firesOnSomeDay(m: CronMatcher): boolean {
  const first = Date.UTC(2024, 0, 1) / DAY;
  for (let n = first; n < first + 8 * 366; n++) if (m.dayMatches(n)) return true;
  return false;
}

/**
 * The reference answer for an interval: the first `anchor + k * everyMs` (k whole) strictly
 * after `after`, in exact integer arithmetic, or null past the `Date` range.
 */
export function referenceInterval(anchor: number, everyMs: number, after: number): number | null {
  const a = BigInt(anchor);
  const e = BigInt(everyMs);
  const diff = BigInt(after) - a;
  // floor division for negative numbers, too
  let k = diff / e;
  if (k * e > diff) k -= 1n;
  const next = a + (k + 1n) * e;
  return next > 8_640_000_000_000_000n ? null : Number(next);
}
