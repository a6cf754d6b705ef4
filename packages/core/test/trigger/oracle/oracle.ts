import fc from 'fast-check';
import type { FireContext, Trigger } from '@rookery/core';
import { oracleCaseArb, zoneClock, type CronCase, type IntervalCase, type OnceCase, type OracleCase } from './cases.js';
import { cronMatcher, cronText, firesOnSomeDay, referenceFires, referenceInterval } from './reference.js';

/**
 * The trigger math under test, injected: the unit test passes the sources, the `oracle` script
 * the built package.
 */
export interface TriggerMath {
  /** As `nextFireTime` of `@rookery/core`. */
  nextFireTime(trigger: Trigger, afterMs: number, ctx: FireContext): number | null;
  /** As `fireTimesBetween` of `@rookery/core`. */
  fireTimesBetween(trigger: Trigger, afterMs: number, untilMs: number, ctx: FireContext, limit: number): number[];
  /** As `validateTrigger` of `@rookery/core`. */
  validateTrigger(input: unknown, field?: string): Trigger;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Horizons the reference searches, growing until it has found enough fire times. */
const MINUTE_HORIZONS = [2 * DAY, 16 * DAY, 128 * DAY, 400 * DAY];
const SECOND_HORIZONS = [2 * HOUR, DAY, 4 * DAY];

const iso = (t: number | null | undefined): string =>
  t === null || t === undefined ? String(t) : `${new Date(t).toISOString()} (${t})`;

function describeCron(c: CronCase): string {
  return `cron '${cronText(c.spec)}' in ${c.tz} after ${iso(c.after)} dst ${JSON.stringify(c.dst)}`;
}

function checkCron(math: TriggerMath, c: CronCase): string | null {
  const m = cronMatcher(c.spec);
  const possible = firesOnSomeDay(m);
  // SUN ends a weekday range as 7 (MON-SUN), so a range from Sunday to SUN is ambiguous: refused.
  const ambiguous = c.spec.dow.some((i) => i.kind === 'range' && i.name && i.from === 0 && (i.to === 0 || i.to === 7));
  let trigger: Trigger;
  try {
    trigger = math.validateTrigger({ kind: 'cron', expr: cronText(c.spec), tz: c.tz });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (ambiguous && /day-of-week field: .* is ambiguous/.test(message)) return null;
    if (!ambiguous && !possible && /never fires/.test(message)) return null;
    return `${describeCron(c)}: validateTrigger refused it: ${message}`;
  }
  if (ambiguous) return `${describeCron(c)}: validateTrigger accepted an ambiguous SUN-SUN weekday range`;
  if (!possible) return `${describeCron(c)}: validateTrigger accepted an expression no date matches`;
  const clock = zoneClock(c.tz);
  let expected: number[] = [];
  let horizon = 0;
  for (const h of m.seconds ? SECOND_HORIZONS : MINUTE_HORIZONS) {
    horizon = h;
    expected = referenceFires(m, clock, c.after, c.after + h, c.dst);
    if (expected.length >= c.count) break;
  }
  const ctx: FireContext = { dst: c.dst, createdAt: 0 };
  let t = c.after;
  for (let i = 0; i < c.count; i++) {
    const actual = math.nextFireTime(trigger, t, ctx);
    const want = expected[i];
    if (want === undefined) {
      if (actual !== null && actual <= c.after + horizon) {
        return `${describeCron(c)}: fire ${i + 1} is ${iso(actual)}, the reference finds none up to ${iso(c.after + horizon)}`;
      }
      return null;
    }
    if (actual !== want) {
      return `${describeCron(c)}: fire ${i + 1} (after ${iso(t)}) is ${iso(actual)}, the reference says ${iso(want)}`;
    }
    t = want;
  }
  return null;
}

function checkInterval(math: TriggerMath, c: IntervalCase): string | null {
  const label = `interval every ${c.everyMs} ms from anchor ${c.anchor} after ${c.after}`;
  const trigger = math.validateTrigger({ kind: 'interval', everyMs: c.everyMs, anchor: c.anchor });
  const ctx: FireContext = { dst: { gap: 'run-after-gap', overlap: 'first' }, createdAt: 0 };
  const want: number[] = [];
  let t = c.after;
  for (let i = 0; i < c.count; i++) {
    const expected = referenceInterval(c.anchor, c.everyMs, t);
    const actual = math.nextFireTime(trigger, t, ctx);
    if (actual !== expected)
      return `${label}: fire ${i + 1} (after ${t}) is ${actual}, exactly anchor + k * everyMs is ${expected}`;
    if (expected === null) break;
    want.push(expected);
    t = expected;
  }
  const until = want.length === 0 ? c.after : (want[want.length - 1] as number);
  const listed = math.fireTimesBetween(trigger, c.after, until, ctx, c.count);
  if (JSON.stringify(listed) !== JSON.stringify(want))
    return `${label}: fireTimesBetween gives ${JSON.stringify(listed)}, expected ${JSON.stringify(want)}`;
  return null;
}

function checkOnce(math: TriggerMath, c: OnceCase): string | null {
  const label = `once at ${c.at} after ${c.after}`;
  const trigger = math.validateTrigger({ kind: 'once', at: c.at });
  const ctx: FireContext = { dst: { gap: 'run-after-gap', overlap: 'first' }, createdAt: 0 };
  const expected = c.at > c.after ? c.at : null;
  const actual = math.nextFireTime(trigger, c.after, ctx);
  if (actual !== expected) return `${label}: next fire ${actual}, expected ${expected}`;
  if (math.nextFireTime(trigger, c.at, ctx) !== null) return `${label}: fires again after its instant`;
  const all = math.fireTimesBetween(trigger, c.after, 8.64e15, ctx, 10);
  if (JSON.stringify(all) !== JSON.stringify(expected === null ? [] : [expected]))
    return `${label}: fires ${JSON.stringify(all)}, expected once`;
  return null;
}

/**
 * Compare one case with the reference.
 *
 * @returns null when they agree, else a description of the difference
 */
export function checkCase(math: TriggerMath, c: OracleCase): string | null {
  switch (c.kind) {
    case 'cron':
      return checkCron(math, c);
    case 'interval':
      return checkInterval(math, c);
    case 'once':
      return checkOnce(math, c);
  }
}

/** Cases compared so far, by kind. */
export interface OracleCounts {
  /** Cron cases. */
  cron: number;
  /** Interval cases. */
  interval: number;
  /** One-time cases. */
  once: number;
}

/**
 * The oracle as a fast-check property over every case kind; `counts` is incremented for each
 * case compared (shrinking included).
 */
export function oracleProperty(math: TriggerMath, counts: OracleCounts): fc.IPropertyWithHooks<[OracleCase]> {
  return fc.property(oracleCaseArb, (c) => {
    counts[c.kind] += 1;
    const difference = checkCase(math, c);
    if (difference !== null) throw new Error(difference);
  });
}
