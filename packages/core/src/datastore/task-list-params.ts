import type { TaskState } from '../model/task.js';
import type { ClockParams } from './clock-params.js';

/** A task's place in the order of {@link Datastore.taskList}: fire time, then id, both descending. */
export interface TaskListPosition {
  /** The task's fire time. */
  fireAt: number;
  /** The task's id. */
  id: string;
}

/** Filters and position of {@link Datastore.taskList}. */
export interface TaskListParams {
  /** Only this schedule's tasks. */
  scheduleId?: string;
  /** Only tasks in these states. */
  states?: TaskState[];
  /** Only tasks of this executor. */
  executor?: string;
  /** Only jobs: tasks enqueued with no schedule (not with `scheduleId`). @defaultValue false */
  jobsOnly?: boolean;
  /**
   * Only tasks after this position in the list's order (older fire time, or the same fire time
   * and a smaller id): keyset paging, from the last task of the previous page.
   */
  before?: TaskListPosition;
  /** At most this many, newest fire time first. @defaultValue 100 */
  limit?: number;
}

/** Input of {@link Datastore.taskStats}. */
export interface TaskStatsParams extends ClockParams {
  /** Tasks completed or failed at or after this instant are counted (epoch ms). */
  endedSince: number;
  /** Tasks whose latest attempt started at or after this instant are counted (epoch ms). */
  startedSince: number;
  /** Start lateness of at most this many of the latest started tasks is returned, 0 to 10 000. */
  latenessSamples: number;
}

/** Figures of the task table, for an overview of the cluster. */
export interface TaskStats {
  /** Tasks pending (due or not). */
  pending: number;
  /** Tasks pending and due (due time at or before now, database clock). */
  due: number;
  /** Tasks running. */
  running: number;
  /** Tasks running, by the node that runs them (nodes running none left out), by node id. */
  runningByNode: { nodeId: string; running: number }[];
  /** Tasks completed at or after `endedSince`. */
  completedSince: number;
  /** Tasks failed at or after `endedSince`. */
  failedSince: number;
  /** Tasks whose latest attempt started at or after `startedSince`. */
  startedSince: number;
  /**
   * Start lateness (start minus due time, ms) of the latest started tasks, started at or after
   * `endedSince`, newest start first, at most `latenessSamples` of them.
   */
  latenessMs: number[];
}
