import type { Json } from '../json.js';
import type { Task, TaskState } from '../model/task.js';
import type { ClockParams } from './clock-params.js';

/** The terminal states an operator may retry a task from: runs that ended without completing. */
export const RETRYABLE_TASK_STATES: readonly TaskState[] = ['failed', 'cancelled', 'missed', 'abandoned'];

/** Input of {@link Datastore.scheduleRunNow}. */
export interface ScheduleRunNowParams extends ClockParams {
  /** The schedule. */
  scheduleId: string;
  /** Primary key of the task to write. */
  taskId: string;
  /** Why, recorded as the task's reason and in its creation event. */
  reason: string;
  /** The payload of this run, instead of the schedule's. */
  payload?: Json;
}

/** Input of {@link Datastore.taskRetry}. */
export interface TaskRetryParams extends ClockParams {
  /** The task. */
  taskId: string;
  /** Why, recorded as the task's reason and in the event. */
  reason: string;
}

/** Answer of {@link Datastore.taskRetry}. */
export type TaskRetryResult =
  /** The task is pending again, due now. */
  | { outcome: 'retried'; task: Task }
  /** The task is in a state that cannot be retried (see {@link RETRYABLE_TASK_STATES}); nothing written. */
  | { outcome: 'refused-state'; task: Task }
  /** Another live task holds the task's dedupe key; nothing written. */
  | { outcome: 'refused-key'; task: Task; holder: Task };

/** Input of {@link Datastore.schedulePruneDone}. */
export interface SchedulePruneDoneParams {
  /** Done schedules that became done before this instant (database clock) are deleted. */
  doneBefore: number;
  /** At most this many schedules. */
  limit: number;
}
