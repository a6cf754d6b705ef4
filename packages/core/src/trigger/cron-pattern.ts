import { Cron, CronPattern } from 'croner';

/**
 * Cron matching on wall times, delegated to croner. The pattern is evaluated in a zone with
 * offset 0, so croner's answers are pure calendar arithmetic on wall times (see
 * `wall-clock.ts`): no DST and no dependence on the process's zone. Time-zone conversion and
 * DST policy are applied afterwards by the caller.
 *
 * croner is run with `utcOffset: 0` rather than `timezone: 'UTC'`: the results are the same,
 * but the `timezone` path goes through `Intl` on every step and is about 70 times slower.
 */

/** Year past which croner stops searching a pattern without a year field. */
export const CRON_MAX_YEAR = 3000;

const MAX_CACHED = 2000;
/** A compiled pattern: croner's instance, whether it fires at all, and whether its search can overrun a month. */
interface Compiled {
  cron: Cron;
  fires: boolean;
  overruns: boolean;
}
const compiled = new Map<string, Compiled>();

/**
 * Compile (or fetch from a bounded cache) the croner instance for `expr`. Throws croner's own
 * error for a pattern it rejects.
 *
 * @param expr - 5 or 6 cron fields, or a nickname such as `@daily`
 */
export function compileCron(expr: string): Cron {
  return entry(expr).cron;
}

function entry(expr: string): Compiled {
  let found = compiled.get(expr);
  if (found === undefined) {
    // domAndDow: false = classic cron: day-of-month OR day-of-week when both are restricted.
    const cron = new Cron(expr, { utcOffset: 0, mode: '5-or-6-parts', domAndDow: false, paused: true });
    found = { cron, fires: cronFiresAtAll(expr), overruns: canOverrunMonth(expr) };
    if (compiled.size >= MAX_CACHED) {
      const oldest = compiled.keys().next();
      if (oldest.done !== true) compiled.delete(oldest.value);
    }
    compiled.set(expr, found);
  }
  return found;
}

/**
 * The first wall time strictly after `wall` that matches `expr`, in whole seconds, or null when
 * there is none before {@link CRON_MAX_YEAR}. Milliseconds of `wall` are ignored, so a caller
 * wanting matches at or after `w` passes `w - 1`.
 *
 * @param expr - a cron pattern croner accepts
 * @param wall - a wall time (local time written as a UTC instant)
 */
export function nextWallMatch(expr: string, wall: number): number | null {
  const { cron, fires, overruns } = entry(expr);
  if (!fires) return null;
  let from = wall;
  for (;;) {
    const next = cron.nextRun(new Date(from));
    if (next === null) return null;
    const found = next.getTime();
    if (!overruns) return found;
    // croner 10 searches the days of a month up to 31, and a day the month lacks (31 February)
    // rolls over into the next month past its first days: '0 0 1,31 * *' from 27 February 2000
    // answers 31 March, not 1 March. An answer inside the month searched is sound; one in a later
    // month is searched again from the start of the month after, where nothing was skipped.
    // (croner's search starts at the whole second after `from`.)
    const monthEnd = startOfNextMonth(Math.floor(from / 1000) * 1000 + 1000);
    if (found < monthEnd) return found;
    from = monthEnd - 1;
  }
}

/** The first wall time of the calendar month after the one `wall` lies in. */
function startOfNextMonth(wall: number): number {
  const d = new Date(wall);
  d.setUTCMonth(d.getUTCMonth() + 1, 1);
  d.setUTCHours(0, 0, 0, 0);
  return d.getTime();
}

/**
 * Whether croner's day search can run past the end of a month for `expr`: it can when
 * day-of-month allows a day some month lacks (29–31), or when day-of-week is restricted (every
 * day up to 31 is then tried against the weekday).
 */
function canOverrunMonth(expr: string): boolean {
  const p = new CronPattern(expr, undefined, { mode: '5-or-6-parts' });
  return !p.starDOW || p.day.slice(28).some((on) => on === 1);
}

/** Longest length of each month, February in a leap year. */
const LONGEST_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Whether `expr` matches any date at all, read from croner's parsed pattern. Only a
 * day-of-month restricted to days that none of the allowed months has can fail
 * (`0 0 30 2 *`, `0 0 31 4,6 *`); with day-of-week also restricted the two combine with OR.
 * Asking croner to search instead can overflow its recursive search (croner 10 throws
 * "Maximum call stack size exceeded" for `0 0 31 2,4,6,9,11 *`).
 *
 * @param expr - a cron pattern croner accepts
 */
export function cronFiresAtAll(expr: string): boolean {
  const p = new CronPattern(expr, undefined, { mode: '5-or-6-parts' });
  if (p.starDOM || !p.starDOW) return true;
  return LONGEST_MONTH.some((days, m) => p.month[m] === 1 && p.day.slice(0, days).some((on) => on === 1));
}

/**
 * How many seconds of each minute `expr` may fire at: 1 for every 5-field expression and for a
 * 6-field one with a single second, more for second-level schedules.
 *
 * @param expr - a cron pattern croner accepts
 */
export function cronSecondsPerMinute(expr: string): number {
  const p = new CronPattern(expr, undefined, { mode: '5-or-6-parts' });
  return p.second.filter((on) => on === 1).length;
}
