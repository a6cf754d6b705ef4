import type { Task } from '../model/task.js';
import type { ClockParams } from './clock-params.js';

/** Input of {@link Datastore.taskRepairExpired}. */
export interface TaskRepairExpiredParams extends ClockParams {
  /** Node id doing the repair, recorded in events. */
  nodeId: string;
  /** At most this many tasks. */
  limit: number;
  /**
   * An at-least-once task whose attempts have been lost with their node this many times is
   * `failed` instead of run again: a task that kills every node it runs on must not go round
   * the cluster forever.
   */
  maxRepairs: number;
}

/** A task that repair moved on, and what it became. */
export interface RepairedTask {
  /** The task after repair (`pending` for a rerun, `abandoned` under at-most-once). */
  task: Task;
  /** The node whose lease expired. */
  previousOwner: string | null;
}

/**
 * When the next lease of a running task can expire, as {@link Datastore.taskLeaseHorizon}
 * answers it: both instants by the database clock, read in one statement.
 */
export interface LeaseHorizon {
  /** The database clock when read (epoch ms). */
  now: number;
  /**
   * The earliest instant at which a running task may be taken back or adopted: the earliest
   * lease expiry among running tasks, or 0 when one of them has an external execution (its
   * holder may hand it over, ending its lease at once, at any time) or no lease; null when no
   * task is running.
   */
  earliestExpiryAt: number | null;
}

/** Input of {@link Datastore.taskBacklogUnoffered}. */
export interface TaskBacklogUnofferedParams {
  /**
   * A node counts as offering its executors when it was last seen running (its latest
   * heartbeat, or when it stopped) at or after this instant, database clock.
   */
  offeredSince: number;
}

/** The pending tasks of one executor that no node offers. */
export interface UnofferedBacklog {
  /** The executor. */
  executor: string;
  /** Its pending tasks (due or not). */
  pending: number;
  /** The earliest due time among them, epoch ms. */
  oldestDueAt: number;
}

/** Input of {@link Datastore.taskSettleUnresolved}. */
export interface TaskSettleUnresolvedParams extends ClockParams {
  /** Node id doing the settling, recorded in events. */
  nodeId: string;
  /**
   * A pending task due at least this long ago, whose executor no node has offered for this
   * long, is failed (ms).
   */
  unresolvedAfterMs: number;
  /** At most this many tasks. */
  limit: number;
}
