import { nextFireTime } from '../trigger/next-fire.js';
import type { Schedule } from './schedule.js';

/**
 * The first fire time of a schedule that becomes active at `now` (database clock): the next
 * fire time of its trigger from `max(now, startAt)`; a one-time trigger keeps its instant even
 * when it has just passed, so the misfire policy judges it as for any late fire time. Null
 * when the trigger never fires again.
 *
 * @param schedule - its trigger, window start, policies and creation instant
 * @param now - when it becomes active, epoch ms
 */
export function firstFireTime(
  schedule: Pick<Schedule, 'trigger' | 'startAt' | 'policies' | 'createdAt'>,
  now: number,
): number | null {
  const { trigger } = schedule;
  const from = Math.max(now, schedule.startAt ?? now) - 1;
  return nextFireTime(trigger, trigger.kind === 'once' ? Math.min(from, trigger.at - 1) : from, {
    dst: schedule.policies.dst,
    createdAt: schedule.createdAt,
  });
}
