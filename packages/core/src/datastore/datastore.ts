import type { Json } from '../json.js';
import type { NodeRecord } from '../model/node-record.js';
import type { Schedule, ScheduleState } from '../model/schedule.js';
import type { TaskPolicies } from '../model/policies.js';
import type { Task, TaskEvent, TaskState } from '../model/task.js';
import type {
  AdoptedTask,
  ExecutionReport,
  TaskAdoptExpiredParams,
  TaskHandOverParams,
  TaskReportExecutionParams,
  TaskSetExecutionParams,
} from './external-execution.js';
import type { ScheduleRunNowParams, SchedulePruneDoneParams, TaskRetryParams, TaskRetryResult } from './operator-actions.js';

/**
 * Every datastore method takes an optional `now`: an instant (epoch ms) that replaces the
 * database clock inside the statement, as River's `coalesce(@now, now())` does. Production
 * code leaves it out, so that lease expiry and due-ness are judged by the database's own clock;
 * tests pin it.
 */
export interface ClockParams {
  /** Replaces the database clock in this call; tests only. */
  now?: number;
}

/** A task to insert while peeling. */
export interface NewTask {
  /** Primary key. */
  id: string;
  /** The fire time. */
  fireAt: number;
  /** Last fire time a collapsed row stands for, else null. */
  spanEndAt: number | null;
  /** Fire times the row stands for. */
  spanCount: number;
  /** Earliest start (fire time + jitter). */
  dueAt: number;
  /** Starting deadline, or null. */
  deadlineAt: number | null;
  /** `pending`, or a terminal ledger state (`missed`, `coalesced`, `skipped`). */
  state: TaskState;
  /** Why, for ledger rows. */
  reason: string | null;
}

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

/** Input of {@link Datastore.scheduleUpdate}. */
export interface ScheduleUpdateParams extends ClockParams {
  /** The schedule. */
  id: string;
  /** Its new definition. */
  definition: Pick<Schedule, 'name' | 'executor' | 'payload' | 'trigger' | 'startAt' | 'endAt' | 'policies'>;
  /** Its next fire time under the new definition (null: none, or waiting for a run to end). */
  nextFireAt: number | null;
}

/** One peel of {@link Datastore.schedulePeelMany}: the result of peeling one claimed schedule. */
export interface SchedulePeelParams {
  /** The schedule being peeled. */
  scheduleId: string;
  /** Lease owner that claimed it. */
  owner: string;
  /** Fence returned by the claim. */
  fence: number;
  /** Tasks to insert; one that already exists for its (schedule, fire time) is left alone. */
  tasks: NewTask[];
  /** The schedule's new next fire time (null: none, or waiting for a run to end). */
  nextFireAt: number | null;
  /** Id of a task whose start (`on-start`) or end (`on-end`) must come before the next peel, or null. */
  gateTaskId: string | null;
  /** Node id, recorded in task events. */
  nodeId: string;
}

/** Input of {@link Datastore.schedulePeelMany}: several peels written together. */
export interface SchedulePeelManyParams extends ClockParams {
  /** The peels, at most one per schedule. */
  peels: SchedulePeelParams[];
}

/** The result of one peel of {@link Datastore.schedulePeelMany}. */
export interface SchedulePeelResult {
  /** False when the lease was lost: nothing was written. */
  ok: boolean;
  /** Tasks actually inserted (duplicates left out). */
  created: Task[];
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

/** A cluster-wide rate limit of one executor. */
export interface RateLimit {
  /** The executor. */
  executor: string;
  /** Starts allowed per one-second window of the database clock, across the cluster. */
  perSecond: number;
  /** Who set it last (a node id, or a client's name), or null. */
  setBy: string | null;
  /** When it was set, database clock. */
  updatedAt: number;
}

/** Input of {@link Datastore.rateLimitSet}. */
export interface RateLimitSetParams extends ClockParams {
  /** The executor. */
  executor: string;
  /** Starts per second across the cluster; null removes the limit. */
  perSecond: number | null;
  /** Who sets it, recorded. */
  setBy: string;
}

/** Input of {@link Datastore.scheduleClaimValidation}. */
export interface ScheduleClaimValidationParams extends ClockParams {
  /** Lease owner. */
  owner: string;
  /** Only schedules of these executors (the ones the node has). */
  executors: string[];
  /** At most this many schedules, oldest submission first. */
  limit: number;
  /** Lease length. */
  leaseMs: number;
}

/** The verdict of {@link Datastore.scheduleValidate}. */
export type ScheduleVerdict =
  | { state: 'active'; nextFireAt: number | null }
  | { state: 'rejected'; field: string; reason: string };

/** Input of {@link Datastore.scheduleValidate}. */
export interface ScheduleValidateParams extends ClockParams {
  /** The schedule validated. */
  scheduleId: string;
  /** Lease owner that claimed it. */
  owner: string;
  /** Fence returned by the claim. */
  fence: number;
  /** Node id, recorded as the validator. */
  nodeId: string;
  /** Activate it (with its first fire time) or reject it (with the field and the reason). */
  verdict: ScheduleVerdict;
}

/** Input of {@link Datastore.scheduleListByClient}. */
export interface ScheduleListByClientParams {
  /** The client whose submissions are listed. */
  clientId: string;
  /** At most this many, oldest submission first. @defaultValue 100 */
  limit?: number;
}

/** Filters and position of {@link Datastore.scheduleList}. */
export interface ScheduleListParams {
  /** Only schedules in these states. */
  states?: ScheduleState[];
  /**
   * Only schedules whose name contains this text, compared as name keys (NFC, lower case), so
   * the search ignores case. `%`, `_` and the like are plain characters.
   */
  nameContains?: string;
  /**
   * Only schedules whose name key (`nameKey(name)`) sorts after this one: keyset paging, from
   * the key of the last schedule of the previous page. Served by the unique name key index.
   */
  afterNameKey?: string;
  /** At most this many, by name key. @defaultValue 100 */
  limit?: number;
}

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

/** One stored line of a task's log. */
export interface TaskLogLine {
  /** Position in the log: grows with every line stored (read on with `afterSeq`). */
  seq: number;
  /** The task it belongs to. */
  taskId: string;
  /** When it was logged, epoch ms (the node's estimate of the database clock). */
  at: number;
  /** The text. */
  line: string;
}

/** Input of {@link Datastore.taskLogAppend}. */
export interface TaskLogAppendParams {
  /** The task the lines belong to. */
  taskId: string;
  /** Lines in the order logged; the caller bounds their number and length and strips NUL. */
  lines: { at: number; line: string }[];
}

/** Input of {@link Datastore.taskLogRead}. */
export interface TaskLogReadParams {
  /** The task whose log is read. */
  taskId: string;
  /** Only lines after this sequence number (the last `seq` read). @defaultValue 0: from the start */
  afterSeq?: number;
  /** At most this many lines. @defaultValue 1000 */
  limit?: number;
}

/** Input of {@link Datastore.scheduleSetState}. */
export interface ScheduleSetStateParams extends ClockParams {
  /** The schedule. */
  id: string;
  /** Its new state: `active` (resume), `paused` or `retired`. */
  state: ScheduleState;
  /** Its next fire time, when it changes (null: none); left alone when absent. */
  nextFireAt?: number | null;
}

/** Input of {@link Datastore.scheduleClaimDue}. */
export interface ScheduleClaimDueParams extends ClockParams {
  /** Lease owner. */
  owner: string;
  /** At most this many schedules. */
  limit: number;
  /** Claim schedules whose next fire time is at or before now + this. */
  lookaheadMs: number;
  /** Lease length. */
  leaseMs: number;
}

/** Input of {@link Datastore.taskRequestCancel}. */
export interface TaskRequestCancelParams extends ClockParams {
  /** The task. */
  taskId: string;
  /** Why, recorded on the task and its event. */
  reason: string;
}

/** Input of {@link Datastore.nodeRegister}: the node's record, without the instants the store sets. */
export type NodeRegisterParams = Omit<NodeRecord, 'startedAt' | 'heartbeatAt' | 'stoppedAt'>;

/** Input of {@link Datastore.nodeHeartbeat}. */
export interface NodeHeartbeatParams extends ClockParams {
  /** The node. */
  id: string;
  /** The node's clock minus the database clock, ms. */
  clockOffsetMs: number;
}

/** Input of {@link Datastore.nodeStop}. */
export interface NodeStopParams extends ClockParams {
  /** The node. */
  id: string;
}

/** Input of {@link Datastore.historyPrune}. */
export interface HistoryPruneParams {
  /** Tasks whose attempt ended before this instant (database clock, epoch ms) are deleted. */
  endedBefore: number;
  /** At most this many tasks. */
  limit: number;
}

/** Input of {@link Datastore.nodePrune}. */
export interface NodePruneParams {
  /** Nodes that stopped, or last heart-beat, before this instant (epoch ms) are deleted. */
  seenBefore: number;
}

/**
 * The shared persistence of a cluster. Every method is atomic as its TSDoc states: one
 * statement, or one short transaction that holds no lock across executor work or the network.
 * Every write to a leased row is conditional on the writer's lease (owner, fence, expiry by
 * the database clock); a write that matches nothing changes nothing and says so.
 */
export interface Datastore {
  /** The database clock, epoch ms. One statement. */
  clockNow(): Promise<number>;

  /** Closes connections. Idempotent. */
  close(): Promise<void>;

  /**
   * Inserts a schedule. Atomic: one insert. Throws {@link DuplicateKeyError} on field `name`
   * when a schedule of the same name (after NFC normalisation and case folding) exists.
   */
  scheduleCreate(schedule: Schedule): Promise<Schedule>;

  /**
   * Inserts many schedules in one transaction: all of them or, when any is refused, none.
   * Throws {@link DuplicateKeyError} on field `name` when a name is taken (by a stored schedule
   * or by another of `schedules`). Callers keep batches short (the client writes 500 at a time).
   * Returns how many were inserted.
   */
  scheduleCreateMany(schedules: readonly Schedule[]): Promise<number>;

  /** Reads one schedule by id. One statement. */
  scheduleGet(id: string): Promise<Schedule | undefined>;

  /** Reads one schedule by name (NFC, case-insensitive). One statement. */
  scheduleGetByName(name: string): Promise<Schedule | undefined>;

  /** Lists schedules by name key (NFC, lower case), from `afterNameKey` on. One statement. */
  scheduleList(params?: ScheduleListParams): Promise<Schedule[]>;

  /**
   * Sets a schedule's state (pause, resume, retire) and, when given, its next fire time.
   * One transaction: the conditional update of the row changes only an active or paused
   * schedule (never a retired one, nor one pending validation or rejected, which only
   * validation moves), and takes the schedule's lease away (fence + 1) so that a peel under
   * way writes nothing. Pausing or retiring then withdraws every planned task that has not
   * started, due or not (chosen, then each deleted only if still pending and never started,
   * with its events and logs), so that none starts after the call returns; a task a node
   * claimed before the deletion runs on. Resuming a `once` schedule whose run is over (no
   * next fire time, no live task) makes it `done`. Returns the updated row.
   */
  scheduleSetState(params: ScheduleSetStateParams): Promise<Schedule | undefined>;

  /**
   * Replaces what an active or paused schedule runs and when (name, executor, payload, trigger,
   * window, policies) and sets its next fire time. One transaction: the conditional update of
   * the row (state active or paused; fence + 1 and the lease cleared, so a peel under way writes
   * nothing), then the withdrawal of its tasks that were peeled ahead under the old definition
   * and have not fallen due (`pending`, never started, fire time after `now`): they are chosen,
   * then each is deleted only if it is still pending and never started, with its events and
   * logs; a gate on a deleted one is cleared. A task a node claims between the choice and the
   * deletion keeps running with its history, and a next fire time that still has a task moves
   * on to the trigger's first fire time that has none. Tasks that fell due keep running under
   * the old definition. A name taken by another schedule is a DuplicateKeyError on `name`.
   * Returns the updated row, or undefined when the schedule is missing or in another state.
   */
  scheduleUpdate(params: ScheduleUpdateParams): Promise<Schedule | undefined>;

  /**
   * Deletes a schedule with its tasks, their events and logs. One transaction. Returns false
   * when there was none.
   */
  scheduleDelete(id: string): Promise<boolean>;

  /**
   * Starts an extra occurrence of an active or paused schedule now: one transaction inserts a
   * pending task of the schedule due now (fire time now by the database clock, or the first
   * millisecond after it that has no task of the schedule), with the schedule's executor and
   * task policies, its payload (or `payload`), and `reason` as its reason, and records its creation with that
   * reason. Neither the schedule's next fire time nor its gate changes. Returns the task, or
   * undefined when the schedule is missing or in another state (nothing written).
   */
  scheduleRunNow(params: ScheduleRunNowParams): Promise<Task | undefined>;

  /**
   * Retention of done schedules: deletes up to `limit` schedules in state `done` that became
   * done before `doneBefore` and have no task that is live or ended at or after `doneBefore`,
   * each with its tasks, their events and logs, in one transaction. Returns how many schedules
   * were deleted.
   */
  schedulePruneDone(params: SchedulePruneDoneParams): Promise<number>;

  /**
   * Claims up to `limit` active, ungated schedules whose next fire time is at or before
   * now + `lookaheadMs` and whose lease is free or expired: sets owner, expiry and fence + 1,
   * and `updatedAt` to now, so that every claimed schedule carries the instant of the claim
   * (the peeler judges misfires by it, with no second read of the clock).
   * One statement (or one short transaction with SKIP LOCKED where supported); two concurrent
   * claims never return the same schedule.
   */
  scheduleClaimDue(params: ScheduleClaimDueParams): Promise<Schedule[]>;

  /**
   * Claims up to `limit` schedules in state `pending-validation` of `executors` whose lease is
   * free or expired, oldest submission first: sets owner, expiry and fence + 1. One short
   * transaction (a conditional update, with SKIP LOCKED where supported); two concurrent claims
   * never return the same schedule.
   */
  scheduleClaimValidation(params: ScheduleClaimValidationParams): Promise<Schedule[]>;

  /**
   * Records the verdict on one claimed schedule and releases its lease. One conditional
   * statement on (owner, fence, unexpired lease, state `pending-validation`): the schedule
   * becomes `active` with its next fire time, or `rejected` with the field and reason, and the
   * validation (node, database clock) is recorded. Returns the updated schedule, or undefined
   * when the lease was lost (nothing written).
   */
  scheduleValidate(params: ScheduleValidateParams): Promise<Schedule | undefined>;

  /** The schedules one client submitted, oldest submission first. One statement. */
  scheduleListByClient(params: ScheduleListByClientParams): Promise<Schedule[]>;

  /**
   * Writes the results of peeling claimed schedules and releases their leases, in one
   * transaction where the store has transactions: the node's peel round costs one commit however
   * many schedules it claimed. Each peel is conditional on its own lease (owner, fence, unexpired
   * lease, state active): it inserts its tasks (skipping any whose (schedule, fire time) exists),
   * records a `created` event for each, and sets `nextFireAt` and `gateTaskId`; a peel whose
   * lease is lost writes nothing and leaves the others alone. Returns the results in the order
   * of `peels`.
   */
  schedulePeelMany(params: SchedulePeelManyParams): Promise<SchedulePeelResult[]>;

  /**
   * Claims due tasks. One transaction of conditional statements:
   * - pending tasks of `executors` with `dueAt` ≤ now and a deadline not passed, highest
   *   priority then earliest due first, at most `limit`, become `running` with owner, expiry,
   *   fence + 1, attempt + 1, nodeId and startedAt;
   * - a claimed task whose duplicate policy is `skip` must also take its schedule's run slot,
   *   which is free when no other task of the schedule holds it; if another task holds it
   *   under an unexpired lease, the task becomes `skipped` instead; if the holder's lease
   *   expired but the holder is still `running` (not yet repaired), the task stays `pending`
   *   until repair has superseded the holder's fence, so that a new run of the schedule never
   *   starts beside an attempt whose fence is still current;
   * - a claimed task whose duplicate policy is `queue` takes the slot the same way, or, if the
   *   holder's lease is unexpired, waits (stays pending, due again at the holder's expiry) unless
   *   an older task of the schedule already waits, in which case it becomes `skipped`;
   * - a claimed task whose duplicate policy is `replace` takes the slot the same way; if a
   *   running task holds it, that task gets a cancel request (`cancelRequested`, reason
   *   `replaceCancelReason(newer task)`, unless a cancel was already requested) and the new
   *   task waits: it stays pending, due again at the holder's expiry with reason
   *   `replaceWaitReason(holder)` (as it is while the holder awaits repair), and the release of
   *   the slot by the holder's finish or repair makes it due at once. Of several `replace`
   *   candidates of one schedule only the newest (latest due) runs, the older become `skipped`;
   * - pending tasks past their deadline become `missed`;
   * - a schedule gated on the start of a started task is ungated;
   * - tasks of an executor with a cluster-wide rate limit start no more than its limit in any
   *   one-second window of the database clock (`RATE_WINDOW_MS`), counted over every node's
   *   claims (a candidate skipped or settled counts too: the count never undercounts).
   * Concurrent claims never start the same task twice.
   */
  taskClaimDue(params: TaskClaimDueParams): Promise<TaskClaimDueResult>;

  /**
   * Inserts jobs (tasks with no schedule), pending and due at their `runAt` (now when null), in
   * one transaction. A job whose key is held by a live (pending or running) task is not
   * written: its answer is that task, with `created` false; so is a job whose key an earlier
   * job of the same call took, and a job whose `keyLock` a stored task holds (whatever its
   * state). A key is free again once its task reaches a terminal state; a key lock, once its
   * task is deleted. Answers in input order.
   */
  taskEnqueue(params: TaskEnqueueParams): Promise<EnqueuedTask[]>;

  /**
   * Renews every listed lease of `owner` in one statement (and its run slots), conditional on
   * (owner, fence, unexpired lease, state running). Leases that no longer match are reported
   * lost and left alone.
   */
  taskRenewLeases(params: TaskRenewLeasesParams): Promise<TaskRenewLeasesResult>;

  /**
   * Commits attempts' outcomes, in one transaction where the store has transactions, with one
   * statement for all the tasks that share an outcome. Each commit is conditional on its own
   * lease (owner, fence, unexpired lease, state running): it sets the state, result or error,
   * endedAt, clears the lease (and, when the task goes back to `pending`, its external execution
   * and report), releases the schedule's run slot, records the event, and when the state is
   * terminal ungates a schedule gated on this task (an `after-run` schedule's next fire time
   * becomes now + its delay); a commit whose lease is lost writes nothing and is answered
   * undefined. Returns the tasks in the order of `finishes`.
   */
  taskFinishMany(params: TaskFinishManyParams): Promise<(Task | undefined)[]>;

  /**
   * Repairs up to `limit` running tasks whose lease expired by the database clock. One
   * conditional statement per task, fence + 1 and repairs + 1, so the old holder can never
   * write again: `at-least-once` tasks return to `pending` (due now), or become `failed` once
   * lost `maxRepairs` times; `at-most-once` tasks become `abandoned` (terminal); a task with a
   * cancel request becomes `cancelled`. Records
   * events, releases run slots, and ungates schedules waiting for a now-terminal task.
   * A task with an external execution (`executionId` set) is never repaired here: its
   * execution may still run or have finished, so only a node that can ask the executor takes
   * it over, with {@link Datastore.taskAdoptExpired}.
   */
  taskRepairExpired(params: TaskRepairExpiredParams): Promise<RepairedTask[]>;

  /**
   * Records the external execution of a running attempt. One statement, conditional on
   * (owner, fence, unexpired lease, state running); clears any report of an earlier execution.
   * Returns false when the lease was lost (nothing written).
   */
  taskSetExecution(params: TaskSetExecutionParams): Promise<boolean>;

  /**
   * Adopts up to `limit` running tasks of `executors` that have an external execution and
   * whose lease expired by the database clock: each, in one conditional statement on (state
   * running, its fence, expired lease), gets the caller's lease with fence + 1 and stays
   * `running` with the same attempt and execution, so the old holder can never write again
   * and the adopter asks the executor for the outcome instead of starting a second execution.
   * Extends the run slot the task holds and records a running → running event. Concurrent
   * adoptions never return the same task.
   */
  taskAdoptExpired(params: TaskAdoptExpiredParams): Promise<AdoptedTask[]>;

  /**
   * Ends the caller's lease on a running task with an external execution at once (its expiry
   * becomes now), leaving it `running` with its fence, attempt and execution: a node that stops
   * hands the execution over to adoption instead of cancelling it. One statement, conditional
   * on (owner, fence, unexpired lease, state running, an execution id). Returns false when the
   * lease was lost (nothing written).
   */
  taskHandOver(params: TaskHandOverParams): Promise<boolean>;

  /**
   * Stores an outcome reported from outside for a task's external execution. One statement,
   * conditional on (task running, its `executionId` equal to `executionId`, no report stored
   * yet): a report about any other execution, or about a settled task, is refused. The lease
   * holder of the moment receives it on its next renewal (an adopter on adoption) and commits
   * it under its own fence. Returns the task, or undefined when refused.
   */
  taskReportExecution(params: TaskReportExecutionParams): Promise<Task | undefined>;

  /**
   * Asks for a task to be cancelled. One conditional statement: a pending task becomes
   * `cancelled` at once; a running one gets a cancel request (and `reason`) that its node sees
   * on its next renewal or cancel check. Returns the task after the change, or undefined if there is none.
   */
  taskRequestCancel(params: TaskRequestCancelParams): Promise<Task | undefined>;

  /**
   * An operator's retry of a task that ended without completing (state in
   * `RETRYABLE_TASK_STATES`). One transaction, conditional on the state: the task becomes
   * `pending`, due now, with no deadline, lease, execution, result or cancel request, `reason`
   * as its reason, and its attempt, failures and fence unchanged (the claim of the new attempt
   * takes attempt + 1 and fence + 1, so a late commit of an old attempt still writes nothing);
   * the transition is recorded with `reason`. A task with a dedupe key takes the key again,
   * and is refused (nothing written) while another live task holds it. Returns undefined when
   * there is no such task.
   */
  taskRetry(params: TaskRetryParams): Promise<TaskRetryResult | undefined>;

  /**
   * Which of `taskIds`, running under `owner`'s lease, carry a cancel request: the node's
   * quick cancel check between renewals. One read by primary key; writes nothing.
   */
  taskCancelRequests(params: TaskCancelRequestsParams): Promise<TaskCancelRequest[]>;

  /**
   * Sets (or with `perSecond` null removes) an executor's cluster-wide rate limit. The last
   * write wins. One statement (an update, else an insert).
   */
  rateLimitSet(params: RateLimitSetParams): Promise<void>;

  /** The cluster-wide rate limits, by executor. One statement. */
  rateLimitList(): Promise<RateLimit[]>;

  /**
   * The pending tasks, counted by executor, of the executors that no node seen since
   * `offeredSince` offers: work nobody can run. One short transaction of two reads (the node
   * records, the pending tasks grouped by executor); writes nothing. Executors by name.
   */
  taskBacklogUnoffered(params: TaskBacklogUnofferedParams): Promise<UnofferedBacklog[]>;

  /**
   * Settles tasks nobody can run. One transaction, judged on the database clock at `now`: of the
   * executors that no node seen running within the last `unresolvedAfterMs` offers, up to
   * `limit` pending tasks due at least `unresolvedAfterMs` ago (rows locked by a concurrent
   * claim or settle skipped where supported) become `failed`, with reason and error
   * `unresolved: no node offers executor <name>`, `endedAt` now, version + 1 (fence and attempt unchanged: no
   * attempt ran); each is recorded as an event and ungates a schedule waiting for it. Each
   * write is conditional on the task still being `pending`, so concurrent settles and claims
   * never settle or start one task twice. Returns the tasks failed.
   */
  taskSettleUnresolved(params: TaskSettleUnresolvedParams): Promise<Task[]>;

  /** Reads one task. One statement. */
  taskGet(id: string): Promise<Task | undefined>;

  /**
   * Lists tasks, newest fire time first (then id, descending), from `before` on. One statement,
   * served by an index for each filter: a schedule's ledger by (schedule, fire time), the
   * others by fire time (and state).
   */
  taskList(params?: TaskListParams): Promise<Task[]>;

  /**
   * Counts of the task table for a cluster overview: pending, due and running tasks, tasks
   * completed and failed since `endedSince`, started since `startedSince`, and the start
   * lateness of the latest started ones. A few index-served reads,
   * one after another, none holding a lock; writes nothing.
   */
  taskStats(params: TaskStatsParams): Promise<TaskStats>;

  /** The state transitions of one task, oldest first. One statement. */
  taskEvents(taskId: string): Promise<TaskEvent[]>;

  /**
   * Appends lines to a task's log, in order, each with a larger `seq` than any stored before.
   * Atomic: one multi-row insert (or one transaction of them), so a batch is stored whole or not
   * at all. Not conditional on a lease: an attempt that lost its lease may still say what it
   * did. Appending no lines does nothing.
   */
  taskLogAppend(params: TaskLogAppendParams): Promise<void>;

  /** Reads a task's log lines after `afterSeq`, oldest first, at most `limit`. One statement. */
  taskLogRead(params: TaskLogReadParams): Promise<TaskLogLine[]>;

  /**
   * Registers a node (or re-registers one restarting with the same id). One statement. The
   * stored `startedAt` and `heartbeatAt` are the database clock.
   */
  nodeRegister(node: NodeRegisterParams): Promise<NodeRecord>;

  /**
   * Records a node's heartbeat and its clock offset; returns the database clock. One statement.
   */
  nodeHeartbeat(params: NodeHeartbeatParams): Promise<number>;

  /** Marks a node stopped. One statement. */
  nodeStop(params: NodeStopParams): Promise<void>;

  /**
   * Retention: deletes up to `limit` tasks in a terminal state whose attempt ended before
   * `endedBefore` (database clock), with their events and log lines. One transaction. A task
   * that is pending, running, or terminal but ended later is never touched. Returns how many
   * tasks were deleted (fewer than `limit` when nothing older is left).
   */
  historyPrune(params: HistoryPruneParams): Promise<number>;

  /**
   * Retention: deletes the records of nodes that stopped, or stopped heart-beating, before
   * `seenBefore`. One statement. Returns how many were deleted.
   */
  nodePrune(params: NodePruneParams): Promise<number>;

  /** Lists nodes, running ones first. One statement. */
  nodeList(): Promise<NodeRecord[]>;
}
