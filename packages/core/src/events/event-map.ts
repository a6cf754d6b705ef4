import type { NodeRecord } from '../model/node-record.js';
import type { Schedule } from '../model/schedule.js';
import type { Task } from '../model/task.js';

/** Where an unexpected error happened. */
export interface GeneralErrorContext {
  /** The node (or client) that saw it. */
  nodeId: string | null;
  /** The duty or operation: `peel`, `dispatch`, `keep`, `finish`, `repair`, `heartbeat`, `listener`, ... */
  source: string;
  /** The task concerned, if any. */
  taskId?: string;
}

/**
 * Every event a node emits, with its payload. Listeners must not throw; if one does, the error
 * is reported as `generalError` and the node goes on.
 */
export interface RookeryEventMap {
  /** A schedule was stored. */
  scheduleCreated: [schedule: Schedule];
  /** A schedule's definition changed. */
  scheduleUpdated: [schedule: Schedule];
  /** A schedule was paused. */
  schedulePaused: [schedule: Schedule];
  /** A schedule was resumed. */
  scheduleResumed: [schedule: Schedule];
  /** A schedule was retired (put out to pasture). */
  scheduleRetired: [schedule: Schedule];
  /** A schedule submitted with a client id was validated by this node and is now active. */
  scheduleValidated: [schedule: Schedule];
  /** A schedule submitted with a client id was rejected by this node; `schedule.validation` says why. */
  scheduleRejected: [schedule: Schedule];
  /** A schedule was deleted. */
  scheduleDeleted: [scheduleId: string];
  /** A task row was created by peeling (pending or a ledger state). */
  taskCreated: [task: Task];
  /** An attempt started on this node. */
  taskStarted: [task: Task];
  /**
   * This node adopted a running attempt whose node lost its lease while its external
   * execution went on (`task.reason` names the previous owner): it watches the execution
   * under a new fence instead of starting another.
   */
  taskAdopted: [task: Task];
  /** A task completed. */
  taskCompleted: [task: Task];
  /** A task failed for good. */
  taskFailed: [task: Task, error: string];
  /** An attempt failed and the task will be retried at `task.dueAt`. */
  taskRetried: [task: Task, error: string];
  /** A task was skipped (schedule busy) or missed (deadline passed) instead of started. */
  taskSkipped: [task: Task];
  /** An attempt ran past its timeout and was aborted. */
  taskTimedOut: [task: Task];
  /**
   * A cancel of a running task was requested (by a client on this bus). The node running it
   * checks at once; without the message it sees the request on its next poll.
   */
  taskCancelRequested: [task: Task];
  /** A task was cancelled. */
  taskCancelled: [task: Task];
  /** An at-most-once attempt could not finish (its node stopped) and will never be started again. */
  taskAbandoned: [task: Task];
  /** An attempt was handed back to the cluster (graceful stop). */
  taskReleased: [task: Task];
  /** A line an attempt wrote to its task log. */
  taskLog: [taskId: string, line: string];
  /** This node lost the lease of a running attempt; the attempt was aborted and nothing was committed. */
  leaseLost: [taskId: string, fence: number];
  /** A repair pass started. */
  repairStarted: [nodeId: string];
  /** A repair pass finished; `tasks` were moved on. */
  repairFinished: [nodeId: string, tasks: Task[]];
  /**
   * A retention pass deleted `tasks` finished tasks (with their events and logs), `nodes` node
   * records and `schedules` done schedules (with their ledgers).
   */
  historyPruned: [tasks: number, nodes: number, schedules: number];
  /** A node registered. */
  nodeJoined: [node: NodeRecord];
  /** A node stopped. */
  nodeLeft: [nodeId: string];
  /** The node's autoscaling worker pool changed size: `workers` slots now, `running` of them busy. */
  poolResized: [workers: number, running: number];
  /** This node's clock offset from the database clock was measured (node − database, ms). */
  clockOffset: [offsetMs: number];
  /** An unexpected error. The node keeps running. */
  generalError: [error: Error, context: GeneralErrorContext];
}

/** Names of the events. */
export type RookeryEventName = keyof RookeryEventMap;
