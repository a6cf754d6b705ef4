import type { Schedule, ScheduleState } from './schedule.js';

/**
 * Where a schedule submitted with a client id stands: `pending` (stored, not yet validated:
 * no node that has its executor has looked at it), `active` (validated and activated; it may
 * have been paused or retired since, see `scheduleState`) or `rejected` (with the field and
 * the reason).
 */
export type SubmissionState = 'pending' | 'active' | 'rejected';

/** One schedule a client submitted, as `RookeryClient.validations` lists it. */
export interface ScheduleSubmission {
  /** The schedule's id. */
  scheduleId: string;
  /** Its name. */
  name: string;
  /** Its executor. */
  executor: string;
  /** The client that submitted it. */
  clientId: string;
  /** Where its validation stands. */
  state: SubmissionState;
  /** The schedule's own state now. */
  scheduleState: ScheduleState;
  /** For a rejected one, the field at fault (`payload.command`), else null. */
  field: string | null;
  /** For a rejected one, why, else null. */
  reason: string | null;
  /** Node that validated it, or null while pending. */
  validatedBy: string | null;
  /** When it was validated (database clock, epoch ms), or null while pending. */
  validatedAt: number | null;
  /** When it was submitted (database clock, epoch ms). */
  submittedAt: number;
}

/**
 * The submission view of a schedule that has a client id.
 *
 * @param schedule - a schedule whose `clientId` is set
 * @throws TypeError for a schedule without a client id (a programming error)
 */
export function submissionOf(schedule: Schedule): ScheduleSubmission {
  if (schedule.clientId === null) throw new TypeError(`schedule ${schedule.id} was not submitted with a client id`);
  const v = schedule.validation;
  return {
    scheduleId: schedule.id,
    name: schedule.name,
    executor: schedule.executor,
    clientId: schedule.clientId,
    state: schedule.state === 'pending-validation' ? 'pending' : schedule.state === 'rejected' ? 'rejected' : 'active',
    scheduleState: schedule.state,
    field: v?.field ?? null,
    reason: v?.reason ?? null,
    validatedBy: v?.by ?? null,
    validatedAt: v?.at ?? null,
    submittedAt: schedule.createdAt,
  };
}
