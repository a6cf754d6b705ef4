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
 * When the leases of the running tasks expire, as {@link Datastore.taskLeaseHorizon} answers
 * it: every instant by the database clock, read in one statement.
 */
export interface LeaseHorizon {
  /** The database clock when read (epoch ms). */
  now: number;
  /** The earliest lease expiry after `now` among running tasks without an external execution; null for none. */
  nextExpiryAt: number | null;
  /**
   * A running task may be taken back or adopted already: its lease has expired (or it has none),
   * or it has an external execution, which its holder may hand over at any time.
   */
  repairable: boolean;
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
