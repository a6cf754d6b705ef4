import type { Json } from '../json.js';
import type { TaskPolicies } from '../model/policies.js';
import type { Task } from '../model/task.js';
import type { ClockParams } from './clock-params.js';
import type { ExecutionReport } from './external-execution.js';

/** A job to insert: a task enqueued on its own, with no schedule. */
export interface NewJob {
  /** Primary key. */
  id: string;
  /** Executor name. */
  executor: string;
  /** Payload. */
  payload: Json;
  /** Its policies (duplicate `run`: a job has no schedule to overlap with). */
  policies: TaskPolicies;
  /** Earliest start (epoch ms); null for now, by the database clock. */
  runAt: number | null;
  /** Dedupe key, or null. */
  key: string | null;
  /**
   * The lock of a key whose scope outlives its task (`ever`, a period; see `keyLock`), or
   * null: while a stored task holds it, whatever its state, the job is not written and its
   * answer is that task.
   */
  keyLock: string | null;
  /** Trace context of the enqueuing code (see `Task.traceContext`). @defaultValue null */
  traceContext?: string | null;
}

/** Input of {@link Datastore.taskEnqueue}. */
export interface TaskEnqueueParams extends ClockParams {
  /** The jobs, in order. */
  jobs: readonly NewJob[];
}

/** One answer of {@link Datastore.taskEnqueue}. */
export interface EnqueuedTask {
  /** The task written, or the live task that already held the job's key. */
  task: Task;
  /** True when `task` was written by this call. */
  created: boolean;
}

/** Input of {@link Datastore.taskClaimDue}. */
export interface TaskClaimDueParams extends ClockParams {
  /** Lease owner. */
  owner: string;
  /** Node id, recorded on the task and in its events. */
  nodeId: string;
  /** At most this many tasks are started (free worker slots). */
  limit: number;
  /** Lease length. */
  leaseMs: number;
  /** Only tasks of these executors are claimed. */
  executors: string[];
}

/** Result of {@link Datastore.taskClaimDue}. */
export interface TaskClaimDueResult {
  /** Tasks now `running` under this owner's lease, fence and attempt incremented. */
  started: Task[];
  /** Tasks recorded as `skipped` (duplicate policy `skip`, schedule busy; `replace`, superseded by a newer task of the batch) or `missed` (past their deadline). */
  settled: Task[];
}

/** A lease a node holds on a running task. */
export interface TaskLease {
  /** Task id. */
  taskId: string;
  /** Fence of the claim. */
  fence: number;
}

/** Input of {@link Datastore.taskRenewLeases}. */
export interface TaskRenewLeasesParams extends ClockParams {
  /** Lease owner. */
  owner: string;
  /** Leases to renew. */
  leases: TaskLease[];
  /** New lease length from now. */
  leaseMs: number;
}

/** Result of {@link Datastore.taskRenewLeases}. */
export interface TaskRenewLeasesResult {
  /** Task ids whose lease was renewed. */
  renewed: string[];
  /** Task ids whose lease is lost (expired, or taken with a newer fence): abort them. */
  lost: string[];
  /** Task ids renewed that have a cancel request. */
  cancelRequested: string[];
  /** Outcomes reported (`taskReportExecution`) for the external executions of renewed tasks. */
  executionReports: ExecutionReport[];
  /** New expiry, database clock. */
  expiresAt: number;
}

/**
 * How an attempt ended. `pending` hands the task back (a retry with `dueAt`, or a graceful
 * stop); every other state is terminal (`abandoned`: an at-most-once attempt that was started
 * but could not finish, never to be started again).
 */
export type TaskOutcome =
  | { state: 'completed'; result: Json | null; reason: string | null }
  | { state: 'failed'; error: string; reason: string | null }
  | { state: 'cancelled'; error: string | null; reason: string | null }
  | { state: 'abandoned'; reason: string | null }
  | { state: 'pending'; dueAt: number; error: string | null; countFailure: boolean; reason: string | null };

/** One commit of {@link Datastore.taskFinishMany}: an attempt's outcome. */
export interface TaskFinishParams {
  /** Task id. */
  taskId: string;
  /** Lease owner. */
  owner: string;
  /** Fence of the claim. */
  fence: number;
  /** Node id, for the task event. */
  nodeId: string;
  /** The outcome. */
  outcome: TaskOutcome;
}

/** Input of {@link Datastore.taskFinishMany}: several attempts' outcomes committed together. */
export interface TaskFinishManyParams extends ClockParams {
  /** The commits, at most one per task. */
  finishes: TaskFinishParams[];
}

/** Input of {@link Datastore.taskFinishAndClaim}. */
export interface TaskFinishAndClaimParams extends ClockParams {
  /** The commits, at most one per task, as {@link Datastore.taskFinishMany} takes them. */
  finishes: TaskFinishParams[];
  /** The claim, as {@link Datastore.taskClaimDue} takes it (its `now` is this call's). */
  claim: Omit<TaskClaimDueParams, 'now'>;
}

/** Result of {@link Datastore.taskFinishAndClaim}. */
export interface TaskFinishAndClaimResult {
  /** As {@link Datastore.taskFinishMany} answers: the tasks written, in the order of `finishes`, undefined where a lease no longer held. */
  finished: (Task | undefined)[];
  /** As {@link Datastore.taskClaimDue} answers. */
  claimed: TaskClaimDueResult;
}

/** Input of {@link Datastore.taskRequestCancel}. */
export interface TaskRequestCancelParams extends ClockParams {
  /** The task. */
  taskId: string;
  /** Why, recorded on the task and its event. */
  reason: string;
}

/** Input of {@link Datastore.taskCancelRequests}. */
export interface TaskCancelRequestsParams {
  /** Lease owner of the running tasks. */
  owner: string;
  /** Running tasks of the owner to look at. */
  taskIds: string[];
}

/** A cancel request on a running task. */
export interface TaskCancelRequest {
  /** The task. */
  taskId: string;
  /** Why, as the requester said, or null. */
  reason: string | null;
}
