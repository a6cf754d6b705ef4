import type { Json } from '../json.js';
import type { TaskPolicies } from './policies.js';

/** States a task can be in. `pending` and `running` are live; every other state is terminal. */
export type TaskState =
  'pending' | 'running' | 'completed' | 'failed' | 'skipped' | 'missed' | 'coalesced' | 'cancelled' | 'abandoned';

/** The terminal states: every fire time that fell due ends in one of these. */
export const TERMINAL_TASK_STATES: readonly TaskState[] = [
  'completed',
  'failed',
  'skipped',
  'missed',
  'coalesced',
  'cancelled',
  'abandoned',
];

/** True when a task in `state` will never change again. */
export function isTerminalTaskState(state: TaskState): boolean {
  return TERMINAL_TASK_STATES.includes(state);
}

/**
 * Where a task comes from: `trigger`, peeled from its schedule's trigger (a fire time, or a
 * ledger row standing for fire times); `manual`, an extra run of its schedule an operator
 * started (`runSchedule`, `rookery job run`); `job`, enqueued on its own with no schedule.
 */
export type TaskOrigin = 'trigger' | 'manual' | 'job';

/**
 * One planned run: a row of a schedule's occurrence ledger, unique per (scheduleId, fireAt),
 * or a job, enqueued on its own with no schedule (`scheduleId` null). Retries are further
 * attempts of the same task.
 */
export interface Task {
  /** Primary key. */
  id: string;
  /** The schedule it was peeled from; null for a job (a task enqueued with no schedule). */
  scheduleId: string | null;
  /** The fire time it stands for; for a job, the instant it was asked to run at. */
  fireAt: number;
  /**
   * A job's dedupe key: while a task with this key is pending or running, enqueuing the key
   * again returns that task and writes nothing. Null for a job without one and for every
   * task of a schedule.
   */
  key: string | null;
  /** Where it comes from: its schedule's trigger, an operator's extra run, or an enqueue. */
  origin: TaskOrigin;
  /** When this row stands for a run of fire times (a collapsed catch-up), the last of them; else null. */
  spanEndAt: number | null;
  /** How many fire times the row stands for (1 for an ordinary task). */
  spanCount: number;
  /** Earliest instant it may start (fire time plus jitter, or a retry's backoff). */
  dueAt: number;
  /** After this instant a pending task is missed instead of started; null for no deadline. */
  deadlineAt: number | null;
  /** Current state. */
  state: TaskState;
  /** Attempts started so far (1 during the first). */
  attempt: number;
  /** Attempts that failed so far (what the retry policy counts). */
  failures: number;
  /** Attempts lost with their node (lease expired) so far; too many fail the task (a poison task). */
  repairs: number;
  /** Grows with every claim: the fencing token handed to the executor. */
  fence: number;
  /** Executor name, copied from the schedule (or given to the job). */
  executor: string;
  /** Payload, copied from the schedule (or given to the job). */
  payload: Json;
  /** Policies, copied from the schedule (or the job's own). */
  policies: TaskPolicies;
  /** Lease owner while running. */
  leaseOwner: string | null;
  /** Lease expiry, database clock. */
  leaseExpiresAt: number | null;
  /** Node that ran (or runs) the latest attempt. */
  nodeId: string | null;
  /** Start of the latest attempt. */
  startedAt: number | null;
  /** When it reached a terminal state (or its latest attempt ended). */
  endedAt: number | null;
  /** What a completed run returned. */
  result: Json | null;
  /** Why the latest attempt failed. */
  error: string | null;
  /** Why it is in its state, for people ("ran on node X", "skipped: schedule busy"). */
  reason: string | null;
  /** Id of an external execution, for executors that run work elsewhere. */
  executionId: string | null;
  /** Set when a cancel was asked for. */
  cancelRequested: boolean;
  /**
   * The W3C trace context (JSON of `traceparent` and `tracestate`) of the code that enqueued
   * the task, so that its run spans continue that trace; null when none was active.
   */
  traceContext: string | null;
  /** Creation instant. */
  createdAt: number;
  /** Last change. */
  updatedAt: number;
}

/** One state transition of a task: who moved it, when, from what, to what, and why. */
export interface TaskEvent {
  /** Task it belongs to. */
  taskId: string;
  /** When, database clock. */
  at: number;
  /** State before (null for creation). */
  from: TaskState | null;
  /** State after. */
  to: TaskState;
  /** Node that made the transition, if any. */
  nodeId: string | null;
  /** Why. */
  reason: string | null;
  /** Fence of the attempt it concerns. */
  fence: number;
}
