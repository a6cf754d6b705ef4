import { CronPattern } from 'croner';
import { ValidationError } from '../errors/validation-error.js';
import type { DstPolicy } from '../model/policies.js';
import { DEFAULT_POLICIES } from '../model/schedule-input.js';
import { nextWallMatch } from './cron-pattern.js';
import { fireTimesBetween, nextFireTime, type FireContext } from './next-fire.js';
import type { CronTrigger, Trigger } from './trigger.js';
import { resolveWall, wallTimeAt, zoneOffsetMs } from './wall-clock.js';

/** One upcoming fire time of a preview. */
export interface PreviewEntry {
  /** The fire instant, epoch ms. */
  at: number;
  /** The fire instant as an ISO-8601 UTC string. */
  utc: string;
  /** Wall-clock time in the trigger's zone (UTC for non-cron triggers): `YYYY-MM-DD HH:mm:ss`. */
  local: string;
  /** UTC offset of that zone at the instant: `+02:00`, `-05:00` (seconds appended for historic offsets). */
  offset: string;
  /**
   * What DST did to this fire time, else null: `moved: 02:30 does not exist (DST gap), runs at
   * 03:00`, `skipped: 02:30 on 2026-03-29 does not exist (DST gap)`, `repeated hour: first of
   * two 01:30s`, `repeated hour: second of two 01:30s`.
   */
  note: string | null;
}

/** The next fire times of a trigger and what looks suspicious about it. */
export interface TriggerPreview {
  /** Upcoming fire times, ascending. */
  fireTimes: PreviewEntry[];
  /** Things a person should know: never fires, fires very often, classic-cron surprises. */
  warnings: string[];
}

/** Options of {@link previewTrigger}. */
export interface PreviewOptions {
  /** How many fire times to list: a whole number from 1 to {@link MAX_PREVIEW_COUNT}. */
  count: number;
  /** List fire times at or after this instant, epoch ms (typically now). */
  from: number;
  /** DST policy of a cron trigger. @defaultValue `{ gap: 'run-after-gap', overlap: 'first' }` */
  dst?: DstPolicy;
  /** No fire time before this instant; null for none. */
  startAt?: number | null;
  /** No fire time after this instant; null for none. */
  endAt?: number | null;
  /** Creation instant of the schedule: default anchor of `interval`, first fire of `after-run`. @defaultValue `from` */
  createdAt?: number;
}

/** Most fire times one preview lists. */
export const MAX_PREVIEW_COUNT = 1000;
/** A trigger whose first fire time is further away than this "never fires". */
const NEVER_MS = 5 * 365.25 * 86_400_000;
/** Median gap below which a cron is reported as very frequent. */
const FREQUENT_MS = 10_000;
/** Most skipped wall times counted for one DST gap note. */
const GAP_CAP = 1000;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
const iso = (ms: number): string => new Date(ms).toISOString();

/** `YYYY-MM-DD HH:mm:ss` of a wall time. */
function localText(wall: number): string {
  return iso(wall)
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, '');
}

/** `HH:mm`, or `HH:mm:ss` when the seconds are not zero, of a wall time. */
function clock(wall: number): string {
  const d = new Date(wall);
  const s = d.getUTCSeconds();
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${s === 0 ? '' : `:${pad(s)}`}`;
}

/** `+02:00`, `-05:00`, `+00:53:28` of an offset in ms. */
function offsetText(ms: number): string {
  const total = Math.round(Math.abs(ms) / 1000);
  const s = total % 60;
  return `${ms < 0 ? '-' : '+'}${pad(Math.floor(total / 3600))}:${pad(Math.floor(total / 60) % 60)}${s === 0 ? '' : `:${pad(s)}`}`;
}

/** The wall times `[from, to)` skipped when the clocks jumped forward exactly at `at`, else null. */
function gapAt(tz: string, at: number): { from: number; to: number } | null {
  const before = zoneOffsetMs(tz, at - 1);
  const after = zoneOffsetMs(tz, at);
  return after > before ? { from: at + before, to: at + after } : null;
}

/** Wall times in `[from, to)` that match `expr`, at most {@link GAP_CAP} of them. */
function matchesIn(expr: string, from: number, to: number): number[] {
  const out: number[] = [];
  let m = nextWallMatch(expr, from - 1);
  while (m !== null && m < to && out.length < GAP_CAP) {
    out.push(m);
    m = nextWallMatch(expr, m);
  }
  return out;
}

/** `02:30`, `02:00, 02:15, 02:30`, or `02:00–02:59 (60 times)`. */
function listTimes(walls: readonly number[]): string {
  const first = walls[0];
  const last = walls[walls.length - 1];
  if (walls.length <= 3 || first === undefined || last === undefined) return walls.map(clock).join(', ');
  return `${clock(first)}–${clock(last)} (${walls.length >= GAP_CAP ? `over ${GAP_CAP}` : walls.length} times)`;
}

/** The DST annotation of a cron fire time (see {@link PreviewEntry.note}). */
function cronNote(t: CronTrigger, tz: string, at: number, prev: number, ctx: FireContext): string | null {
  const notes: string[] = [];
  if (ctx.dst.gap === 'run-after-gap') {
    const gap = gapAt(tz, at);
    const moved = gap === null ? [] : matchesIn(t.expr, gap.from, gap.to);
    if (gap !== null && moved.length > 0) {
      const own = nextWallMatch(t.expr, gap.to - 1) === gap.to ? 1 : 0;
      const total = moved.length + own;
      const verb = moved.length === 1 ? 'does' : 'do';
      const runs = moved.length === 1 ? 'runs' : 'run';
      notes.push(
        `moved: ${listTimes(moved)} ${verb} not exist (DST gap), ${runs} at ${clock(gap.to)}${total > 1 ? ` (one run for ${total} fire times)` : ''}`,
      );
    }
  } else {
    // Under `skip` the run-after-gap sequence has an extra fire time exactly where a gap was skipped.
    const alt = nextFireTime(t, prev, { ...ctx, dst: { ...ctx.dst, gap: 'run-after-gap' } });
    const gap = alt !== null && alt < at ? gapAt(tz, alt) : null;
    const skipped = gap === null ? [] : matchesIn(t.expr, gap.from, gap.to);
    if (gap !== null && skipped.length > 0) {
      notes.push(
        `skipped: ${listTimes(skipped)} on ${localText(gap.from).slice(0, -9)} ${skipped.length === 1 ? 'does' : 'do'} not exist (DST gap)`,
      );
    }
  }
  const wall = wallTimeAt(tz, at);
  const r = resolveWall(tz, wall);
  if (r.kind === 'overlap') {
    const first = r.instants[0] === at;
    const other = ctx.dst.overlap === 'both' ? '' : first ? ' (the second does not run)' : ' (the first does not run)';
    notes.push(`repeated hour: ${first ? 'first' : 'second'} of two ${clock(wall)}s${other}`);
  }
  return notes.length > 0 ? notes.join('; ') : null;
}

/** One preview entry for a fire instant. */
function entryFor(trigger: Trigger, at: number, prev: number, ctx: FireContext): PreviewEntry {
  const tz = trigger.kind === 'cron' ? (trigger.tz ?? 'UTC') : 'UTC';
  const offset = zoneOffsetMs(tz, at);
  const note = trigger.kind === 'cron' ? cronNote(trigger, tz, at, prev, ctx) : null;
  return { at, utc: iso(at), local: localText(at + offset), offset: offsetText(offset), note };
}

/** Warnings about a cron expression itself: 6 fields, day-of-month OR day-of-week. */
function cronExprWarnings(expr: string): string[] {
  const warnings: string[] = [];
  const fields = expr.startsWith('@') ? [] : expr.split(' ');
  if (fields.length === 6) {
    warnings.push(
      `6 fields: the first is seconds ('${fields[0] ?? ''}' is the second; a 5-field cron starts with the minute)`,
    );
  }
  const p = new CronPattern(expr, undefined, { mode: '5-or-6-parts' });
  if (!p.starDOM && !p.starDOW) {
    const [dom, dow] = fields.length === 6 ? [fields[3], fields[5]] : [fields[2], fields[4]];
    warnings.push(
      `day-of-month and day-of-week are both restricted: classic cron fires when EITHER matches (day-of-month ${dom ?? '?'} or day-of-week ${dow ?? '?'}, not only when both do)`,
    );
  }
  return warnings;
}

/** A warning when a cron fires very often in the minute from its first fire time `first`. */
function frequencyWarning(trigger: Trigger, first: number, until: number, ctx: FireContext): string | null {
  const minute = fireTimesBetween(trigger, first - 1, Math.min(first + 59_999, until), ctx, 61);
  const gaps = minute
    .slice(1)
    .map((t, i) => t - (minute[i] ?? t))
    .sort((a, b) => a - b);
  const median = gaps[Math.floor(gaps.length / 2)];
  if (median === undefined) return null;
  if ((gaps[0] ?? median) < 1000 || minute.length > 60) return 'fires more often than once a second';
  if (median >= FREQUENT_MS) return null;
  return `fires ${minute.length} times in the next minute (about every ${median / 1000} s)`;
}

/** Fire times of an `after-run` trigger that are known in advance: only the first. */
function afterRunTimes(first: number, start: number, until: number): number[] {
  return first >= start && first <= until ? [first] : [];
}

/** Why nothing fires within 5 years of `start`, or null when something does. */
function neverWarning(
  trigger: Trigger,
  times: readonly number[],
  start: number,
  endAt: number | null,
  ctx: FireContext,
): string | null {
  const first = times[0];
  if (first !== undefined && first - start <= NEVER_MS) return null;
  if (endAt !== null && endAt < start) return `never fires: the window ends at ${iso(endAt)}, before ${iso(start)}`;
  if (trigger.kind === 'once' && trigger.at < start)
    return `never fires: once at ${iso(trigger.at)}, before ${iso(start)}`;
  const raw = first ?? nextFireTime(trigger, start - 1, ctx);
  if (raw !== null && endAt !== null && raw > endAt)
    return `never fires: the first fire time ${iso(raw)} is after endAt ${iso(endAt)}`;
  return `never fires: no fire time within 5 years of ${iso(start)}${raw === null ? '' : ` (the first is ${iso(raw)})`}`;
}

/**
 * The next `count` fire times of a trigger from `from`, with their wall-clock time in the
 * trigger's zone, the UTC offset, what DST does to each, and warnings about the trigger
 * (never fires within 5 years, fires very often, 6 fields, day-of-month OR day-of-week).
 *
 * Fire times come from {@link nextFireTime}, so a preview shows exactly what a node will peel:
 * at or after `max(from, startAt)`, at most `endAt`, under the DST policy. An `after-run`
 * trigger shows only its first fire time: later ones depend on when runs end.
 *
 * @param trigger - a validated trigger (see `validateTrigger`)
 * @param options - count, start instant, DST policy, window and creation instant
 * @throws {@link ValidationError} on `count` (not 1..1000) or `from` (not a finite instant)
 *
 * @example
 * ```ts
 * previewTrigger({ kind: 'cron', expr: '30 2 * * *', tz: 'Europe/Berlin' }, { count: 3, from: Date.parse('2026-03-28T00:00:00Z') });
 * // fireTimes[1]: { utc: '2026-03-29T01:00:00.000Z', local: '2026-03-29 03:00:00', offset: '+02:00',
 * //   note: 'moved: 02:30 does not exist (DST gap), runs at 03:00' }
 * ```
 */
export function previewTrigger(trigger: Trigger, options: PreviewOptions): TriggerPreview {
  const { count, from } = options;
  if (!Number.isInteger(count) || count < 1 || count > MAX_PREVIEW_COUNT) {
    throw new ValidationError('count', `must be a whole number from 1 to ${MAX_PREVIEW_COUNT}, got ${String(count)}`);
  }
  if (!Number.isFinite(from)) throw new ValidationError('from', `must be an instant in epoch ms, got ${String(from)}`);
  const startAt = options.startAt ?? null;
  const endAt = options.endAt ?? null;
  const ctx: FireContext = { dst: options.dst ?? DEFAULT_POLICIES.dst, createdAt: options.createdAt ?? from };
  const start = Math.max(from, startAt ?? from);
  const until = endAt ?? Number.POSITIVE_INFINITY;
  const warnings: string[] = [];
  let times: number[];
  if (trigger.kind === 'after-run') {
    const first = trigger.firstAt ?? ctx.createdAt;
    times = afterRunTimes(startAt !== null && first < startAt ? startAt : first, start, until);
    warnings.push(
      times.length > 0
        ? `after-run: only the first fire time is known; each later one is ${trigger.delayMs} ms after the previous run ends`
        : `after-run: the first fire time has passed; each next one is ${trigger.delayMs} ms after the previous run ends`,
    );
  } else {
    times = fireTimesBetween(trigger, start - 1, until, ctx, count);
    const never = neverWarning(trigger, times, start, endAt, ctx);
    if (never !== null) warnings.push(never);
  }
  if (trigger.kind === 'cron') {
    const first = times[0];
    const frequent = first === undefined ? null : frequencyWarning(trigger, first, until, ctx);
    if (frequent !== null) warnings.push(frequent);
    warnings.push(...cronExprWarnings(trigger.expr));
  }
  const fireTimes = times.map((at, i) => entryFor(trigger, at, times[i - 1] ?? start - 1, ctx));
  return { fireTimes, warnings };
}
