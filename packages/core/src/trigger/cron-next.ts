import type { DstPolicy } from '../model/policies.js';
import { CRON_MAX_YEAR, nextWallMatch } from './cron-pattern.js';
import { earliestWallAfter, latestWallShownBy, resolveWall, wallTimeAt } from './wall-clock.js';

/** Wall times before this are searched from here (cron makes no sense before year 1000). */
const MIN_WALL = Date.UTC(1000, 0, 1);
/** croner gives up after this year. */
const MAX_WALL = Date.UTC(CRON_MAX_YEAR, 0, 1);
/**
 * How far past the starting wall time a search may go: eight years and a day, enough for
 * `0 0 29 2 *` across a century year that is not leap (2096 → 2104). Only reached when every
 * match falls into skipped hours under the `skip` gap policy.
 */
const HORIZON_MS = (8 * 366 + 1) * 86_400_000;

/**
 * Next fire for a policy that picks one occurrence per wall time. Such a policy maps wall times
 * to instants monotonically (non-decreasing), so the answer is the fire of the first matching
 * wall time at or above a threshold computed from `afterMs`; the loop only continues past a
 * gap under `skip` (in one step) or, defensively, past wall times that fire too early.
 */
function nextMonotone(
  expr: string,
  tz: string,
  afterMs: number,
  gap: DstPolicy['gap'],
  pick: 'first' | 'last',
): number | null {
  // `first`: wall times above the latest one already shown fire after afterMs (exclusive).
  // `last`: wall times from the earliest one still to come do (inclusive, hence the − 1).
  const threshold = pick === 'first' ? latestWallShownBy(tz, afterMs) : earliestWallAfter(tz, afterMs) - 1;
  const from = Math.max(threshold, MIN_WALL - 1);
  if (from >= MAX_WALL) return null;
  const horizon = from + HORIZON_MS;
  let wall = nextWallMatch(expr, from);
  while (wall !== null && wall <= horizon) {
    const r = resolveWall(tz, wall);
    if (r.kind === 'gap') {
      // Every wall time of this gap maps to the instant the clocks jumped, or to nothing.
      const jump = r.instants[0] as number;
      if (gap === 'run-after-gap' && jump > afterMs) return jump;
      wall = nextWallMatch(expr, wallTimeAt(tz, jump) - 1);
      continue;
    }
    const fire = (pick === 'first' ? r.instants[0] : r.instants[r.instants.length - 1]) as number;
    if (fire > afterMs) return fire;
    wall = nextWallMatch(expr, wall);
  }
  return null;
}

/**
 * The first instant strictly after `afterMs` at which a cron expression fires in zone `tz`,
 * under the DST policy, or null if none within about eight years.
 *
 * The expression is matched against wall-clock times by croner; each matching wall time maps to
 * real instants in `tz`: one normally; none in a skipped hour (then the instant the clocks
 * jumped, for `run-after-gap`, so several skipped times collapse into one fire, or nothing, for
 * `skip`); two in a repeated hour (`first`, `last` or `both` of them).
 *
 * @param expr - a validated cron expression
 * @param tz - a validated IANA zone name
 * @param afterMs - epoch ms; the result is strictly greater
 * @param dst - the schedule's DST policy
 */
export function nextCronFire(expr: string, tz: string, afterMs: number, dst: DstPolicy): number | null {
  if (Number.isNaN(afterMs) || afterMs >= MAX_WALL + 2 * 86_400_000) return null;
  // Nothing fires before MIN_WALL, so an earlier afterMs is the same as one just before it.
  afterMs = Math.max(afterMs, MIN_WALL - 2 * 86_400_000);
  if (dst.overlap !== 'both') return nextMonotone(expr, tz, afterMs, dst.gap, dst.overlap);
  // `both` is the union of the `first` and the `last` sequences, which differ only in
  // repeated hours; each is monotone, so the union's next element is the smaller next.
  const first = nextMonotone(expr, tz, afterMs, dst.gap, 'first');
  const last = nextMonotone(expr, tz, afterMs, dst.gap, 'last');
  if (first === null) return last;
  if (last === null) return first;
  return Math.min(first, last);
}
