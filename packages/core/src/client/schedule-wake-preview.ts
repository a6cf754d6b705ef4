import type { Schedule } from '../model/schedule.js';
import { previewTrigger, type TriggerPreview } from '../trigger/preview.js';
import { WAKE_HORIZON_MS } from './wake-horizon.js';

/**
 * Wakes idle nodes when one of `schedules` is active and falls due within the wake horizon:
 * announces its next fire time (now, if that has passed), so that a node sleeping through a
 * long poll wait wakes when the schedule falls due and peels it then. (Announcing `now` would
 * wake them before the schedule is within their lookahead, to find nothing and sleep again.)
 * A schedule pending validation is announced now, so that a node validates it at once rather
 * than at its next validation poll.
 *
 * @param announce - hands the instant to the wake signals (at once, or on the caller's commit)
 */
export async function wakeNodesFor(
  announce: (dueAt: number) => Promise<void>,
  schedules: readonly Schedule[],
  now: number,
): Promise<void> {
  let earliest = Infinity;
  for (const s of schedules) {
    if (s.state === 'pending-validation') earliest = now;
    else if (s.state === 'active' && s.nextFireAt !== null && s.nextFireAt <= now + WAKE_HORIZON_MS)
      earliest = Math.min(earliest, s.nextFireAt);
  }
  if (earliest < Infinity) await announce(Math.max(now, earliest));
}

/** See {@link RookeryClient.previewSchedule}: the preview of `s` from `now`, with its state's warnings. */
export function previewSchedule(s: Schedule, now: number, count: number): TriggerPreview {
  const preview = previewTrigger(s.trigger, {
    count,
    from: now,
    dst: s.policies.dst,
    startAt: s.startAt,
    endAt: s.endAt,
    createdAt: s.createdAt,
  });
  if (s.state === 'retired' || s.state === 'rejected' || s.state === 'done')
    return { fireTimes: [], warnings: [`never fires: schedule '${s.name}' is ${s.state}`] };
  if (s.state === 'pending-validation')
    preview.warnings.unshift(`schedule '${s.name}' is pending validation: it fires only once a node has validated it`);
  if (s.state === 'paused')
    preview.warnings.unshift(`schedule '${s.name}' is paused: these fire times run only if it is resumed before them`);
  return preview;
}
