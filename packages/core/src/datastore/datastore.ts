// Over 400 lines: the Datastore interface alone, one method per store operation, each with the
// atomicity and conditions every store must keep; its types live in the *-params.ts files beside it.
import type { NodeRecord } from '../model/node-record.js';
import type { Schedule } from '../model/schedule.js';
import type { Task, TaskEvent } from '../model/task.js';
import type {
  HistoryPruneParams,
  NodeHeartbeatParams,
  NodePruneParams,
  NodeRegisterParams,
  NodeStopParams,
  RateLimit,
  RateLimitSetParams,
} from './node-params.js';
import type {
  ScheduleClaimDueParams,
  ScheduleClaimValidationParams,
  ScheduleListByClientParams,
  ScheduleListParams,
  SchedulePeelManyParams,
  SchedulePeelResult,
  ScheduleSetStateParams,
  ScheduleUpdateParams,
  ScheduleValidateParams,
} from './schedule-params.js';
import type { TaskListParams, TaskStats, TaskStatsParams } from './task-list-params.js';
import type { TaskLogAppendParams, TaskLogLine, TaskLogReadParams } from './task-log-params.js';
import type {
  EnqueuedTask,
  TaskCancelRequest,
  TaskCancelRequestsParams,
  TaskClaimDueParams,
  TaskClaimDueResult,
  TaskEnqueueParams,
  TaskFinishAndClaimParams,
  TaskFinishAndClaimResult,
  TaskFinishManyParams,
  TaskRenewLeasesParams,
  TaskRenewLeasesResult,
  TaskRequestCancelParams,
} from './task-params.js';
import type {
  LeaseHorizon,
  RepairedTask,
  TaskBacklogUnofferedParams,
  TaskRepairExpiredParams,
  TaskSettleUnresolvedParams,
  UnofferedBacklog,
} from './task-repair-params.js';
import type {
  AdoptedTask,
  TaskAdoptExpiredParams,
  TaskHandOverParams,
  TaskReportExecutionParams,
  TaskSetExecutionParams,
} from './external-execution.js';
import type {
  ScheduleRunNowParams,
  SchedulePruneDoneParams,
  TaskRetryParams,
  TaskRetryResult,
} from './operator-actions.js';

export type * from './clock-params.js';
export type * from './schedule-params.js';
export type * from './task-params.js';
export type * from './task-repair-params.js';
export type * from './task-list-params.js';
export type * from './task-log-params.js';
export type * from './node-params.js';

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
   * many schedules it claimed. Each peel is conditional on its own (owner, fence, state active):
   * it inserts its tasks (skipping any whose (schedule, fire time) exists), records a `created`
   * event for each, and sets `nextFireAt` and `gateTaskId`; a peel whose lease is lost (another
   * claim, a pause, an edit, a retirement, or the peel already written) writes nothing and leaves
   * the others alone. Returns the results in the order of `peels`.
   *
   * The lease's expiry is not part of the condition: it lets other nodes claim the schedule,
   * and a claim is what takes the lease away. This is safe because every write that may change
   * what a peel plans from (a claim, `scheduleUpdate`, `scheduleSetState`) sets fence + 1, and
   * a peel's own write clears the owner, so a matching (owner, fence) means no one has claimed,
   * edited or peeled the schedule since this claim: the write is exactly the one a fast peel
   * would have made. A peel that lost the race to a later claim is refused, and if both ever
   * wrote the same fire time the (schedule, fire time) key keeps one task. So a peeler's lease
   * can be as short as claim → plan → write takes, and a slow peel still lands.
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
   * Commits `finishes` exactly as {@link Datastore.taskFinishMany} does, then claims exactly as
   * {@link Datastore.taskClaimDue} does, in as few round trips and transactions as the store
   * can (one statement on PostgreSQL, one transaction elsewhere): a busy node that ends tasks
   * and takes new ones pays for one. The claim may not see what the finishes wrote in the same
   * call (a task made pending again is claimed by a later claim). Optional: a node whose store
   * lacks it commits and claims separately.
   */
  taskFinishAndClaim?(params: TaskFinishAndClaimParams): Promise<TaskFinishAndClaimResult>;

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
   * The database clock, the earliest lease of a running task still to expire, and whether one
   * may be repaired or adopted already (see {@link LeaseHorizon}), in one statement: until that
   * expiry, and unless one is repairable already, neither {@link Datastore.taskRepairExpired}
   * nor {@link Datastore.taskAdoptExpired} can find anything, since a lease granted or renewed
   * after the read expires a whole lease from then.
   */
  taskLeaseHorizon(): Promise<LeaseHorizon>;

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
