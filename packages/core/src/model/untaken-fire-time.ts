import { nextFireTime } from '../trigger/next-fire.js';
import type { Schedule } from './schedule.js';

/**
 * The first fire time of a schedule, from `planned` on, that has no task yet: `planned`
 * itself unless `taken` holds it, else its trigger's next fire time after it, and so on. A
 * fire time that still has a task (one a node started while it was being withdrawn) is never
 * planned a second time. Null when the trigger never fires again.
 *
 * @param schedule - its trigger, DST policy and creation instant
 * @param planned - the next fire time planned for it, epoch ms, or null for none
 * @param taken - fire times of the schedule that have a task, epoch ms
 */
export function untakenFireTime(
  schedule: Pick<Schedule, 'trigger' | 'policies' | 'createdAt'>,
  planned: number | null,
  taken: readonly number[],
): number | null {
  const held = new Set(taken);
  let next = planned;
  while (next !== null && held.has(next)) {
    next = nextFireTime(schedule.trigger, next, { dst: schedule.policies.dst, createdAt: schedule.createdAt });
  }
  return next;
}
