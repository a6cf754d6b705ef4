import type { DstPolicy } from '../model/policies.js';
import { nextCronFire } from './cron-next.js';
import type { Trigger } from './trigger.js';

/** Largest instant a `Date` can hold, in ms. */
const MAX_INSTANT = 8.64e15;

/** What fire-time math needs to know about the schedule, besides its trigger. */
export interface FireContext {
  /** DST policy for wall-clock (`cron`) triggers. */
  dst: DstPolicy;
  /** The schedule's creation instant: default anchor of `interval`, default first fire of `after-run`. */
  createdAt: number;
}

/**
 * Next `anchor + k * everyMs` strictly after `afterMs`, k any whole number; null past the
 * `Date` range. Exact for every instant in the range: `afterMs - anchor` can exceed 2^53 and
 * lose precision as a double, so only the remainders of each are combined, and those are exact.
 */
function nextInterval(anchor: number, everyMs: number, afterMs: number): number | null {
  if (Number.isNaN(afterMs) || afterMs >= MAX_INSTANT) return null;
  // Fire times before the Date range are not instants: the first one to consider is at its start.
  const after = Math.max(afterMs, -MAX_INSTANT - 1);
  const behind = ((((after % everyMs) - (anchor % everyMs)) % everyMs) + everyMs) % everyMs;
  const t = after - behind + everyMs;
  return t <= MAX_INSTANT ? t : null;
}

/**
 * The first fire instant of `trigger` strictly greater than `afterMs`, or null if it never
 * fires again. Deterministic for any instant and independent of the process's time zone.
 *
 * - `cron`: matched on wall-clock time in `trigger.tz` (default `UTC`), DST handled by
 *   `ctx.dst`; null if nothing fires within about eight years.
 * - `interval`: `anchor + k * everyMs` (anchor default `ctx.createdAt`), so it never drifts.
 * - `once`: `at`, if later than `afterMs`.
 * - `after-run`: only the first fire, `firstAt ?? ctx.createdAt`; later ones depend on when
 *   runs end, which the node knows.
 *
 * A start/end window is not applied here; callers clip.
 *
 * @param trigger - a validated trigger
 * @param afterMs - epoch ms
 * @param ctx - DST policy and creation instant of the schedule
 * @returns epoch ms, or null
 *
 * @example
 * ```ts
 * nextFireTime({ kind: 'cron', expr: '30 2 * * *', tz: 'America/New_York' },
 *   Date.parse('2026-03-08T00:00:00-05:00'), { dst: { gap: 'run-after-gap', overlap: 'first' }, createdAt: 0 });
 * // 02:30 does not exist that day: fires at 03:00 EDT, 2026-03-08T07:00:00Z
 * ```
 */
export function nextFireTime(trigger: Trigger, afterMs: number, ctx: FireContext): number | null {
  switch (trigger.kind) {
    case 'cron':
      return nextCronFire(trigger.expr, trigger.tz ?? 'UTC', afterMs, ctx.dst);
    case 'interval':
      return nextInterval(trigger.anchor ?? ctx.createdAt, trigger.everyMs, afterMs);
    case 'once':
      return trigger.at > afterMs ? trigger.at : null;
    case 'after-run': {
      const first = trigger.firstAt ?? ctx.createdAt;
      return first > afterMs ? first : null;
    }
  }
}

/**
 * The fire instants of `trigger` in `(afterMs, untilMs]`, ascending, at most `limit` of them.
 * Each repeated-hour or skipped-hour instant appears once.
 *
 * @param trigger - a validated trigger
 * @param afterMs - exclusive lower bound, epoch ms
 * @param untilMs - inclusive upper bound, epoch ms
 * @param ctx - DST policy and creation instant of the schedule
 * @param limit - maximum number of instants returned
 */
export function fireTimesBetween(
  trigger: Trigger,
  afterMs: number,
  untilMs: number,
  ctx: FireContext,
  limit: number,
): number[] {
  const out: number[] = [];
  let t = afterMs;
  while (out.length < limit) {
    const next = nextFireTime(trigger, t, ctx);
    if (next === null || next > untilMs) break;
    out.push(next);
    t = next;
  }
  return out;
}
