// Over 400 lines: one class holding every Datastore method, each a short delegation to the file
// of its family under store/ (or to the dialect's fast path), so the whole surface reads in one place.
import type {
  CallerTransactions,
  DatastoreInTransaction,
  AdoptedTask,
  Datastore,
  HistoryPruneParams,
  NodeHeartbeatParams,
  NodePruneParams,
  NodeRegisterParams,
  NodeStopParams,
  TaskRequestCancelParams,
  NodeRecord,
  RateLimit,
  RateLimitSetParams,
  LeaseHorizon,
  RepairedTask,
  Schedule,
  ScheduleUpdateParams,
  ScheduleClaimValidationParams,
  ScheduleListByClientParams,
  SchedulePeelManyParams,
  SchedulePeelResult,
  ScheduleValidateParams,
  Task,
  TaskCancelRequest,
  TaskCancelRequestsParams,
  TaskClaimDueParams,
  TaskEnqueueParams,
  EnqueuedTask,
  TaskClaimDueResult,
  TaskEvent,
  TaskFinishAndClaimParams,
  TaskFinishAndClaimResult,
  TaskFinishManyParams,
  TaskListParams,
  ScheduleListParams,
  TaskStats,
  TaskStatsParams,
  TaskLogAppendParams,
  TaskLogLine,
  TaskLogReadParams,
  TaskRenewLeasesParams,
  TaskRenewLeasesResult,
  TaskAdoptExpiredParams,
  TaskHandOverParams,
  TaskRepairExpiredParams,
  TaskReportExecutionParams,
  TaskSetExecutionParams,
  TaskBacklogUnofferedParams,
  TaskSettleUnresolvedParams,
  UnofferedBacklog,
  ScheduleRunNowParams,
  SchedulePruneDoneParams,
  TaskRetryParams,
  TaskRetryResult,
} from '@rookery/core';
import {
  checkIdArgument,
  checkListByClientParams,
  checkNameKey,
  checkScheduleListParams,
  checkTaskListParams,
  checkTaskStatsParams,
  checkTaskLogReadParams,
} from '@rookery/core';
import type { Sequelize } from 'sequelize';
import type { SqlDialectName } from './dialect/dialect.js';
import { datastoreInTransaction } from './store/in-caller-transaction.js';
import type { SqlTransactionHandle } from './transaction/handles.js';
import { Migrator, type MigrationPlan, type MigrationStatus } from './migrations/migrator.js';
import { nodeHeartbeat, nodeList, nodeRegister, nodeStop } from './store/nodes.js';
import { historyPrune, nodePrune } from './store/prune.js';
import { schedulePruneDone, scheduleRunNow, taskRetry } from './store/operator-actions.js';
import { scheduleUpdate } from './store/schedules-update.js';
import { scheduleClaimDue, schedulePeelMany } from './store/schedules-claim.js';
import {
  scheduleCreate,
  scheduleCreateMany,
  scheduleDelete,
  scheduleGet,
  scheduleGetByName,
  scheduleList,
  scheduleSetState,
} from './store/schedules.js';
import { scheduleClaimValidation, scheduleListByClient, scheduleValidate } from './store/schedules-validation.js';
import type { SqlContext } from './store/sql-context.js';
import { rateLimitList, rateLimitSet } from './store/rate-limits.js';
import { taskAdoptExpired } from './store/tasks-adopt.js';
import { taskCancelRequests, taskRequestCancel } from './store/tasks-cancel.js';
import { taskClaimDue } from './store/tasks-claim.js';
import { taskEnqueue } from './store/tasks-enqueue.js';
import { taskFinishMany } from './store/tasks-finish.js';
import { taskFinishAndClaim } from './store/tasks-finish-and-claim.js';
import { taskLogAppend, taskLogRead } from './store/task-logs.js';
import { taskEvents, taskGet, taskList } from './store/tasks-read.js';
import { taskStats } from './store/task-stats.js';
import { taskRenewLeases } from './store/tasks-renew.js';
import { taskRepairExpired } from './store/tasks-repair.js';
import { taskLeaseHorizon } from './store/tasks-lease-horizon.js';
import { taskBacklogUnoffered, taskSettleUnresolved } from './store/tasks-unresolved.js';
import { taskHandOver, taskReportExecution, taskSetExecution } from './store/tasks-execution.js';

/**
 * Rookery's {@link Datastore} on a SQL database through Sequelize: SQLite, PostgreSQL,
 * MariaDB/MySQL, and (untested) MS SQL Server. Build one with `createSqlDatastore`. Every
 * method is one statement or one short transaction; every write to a leased row is
 * conditional on (owner, fence, unexpired lease) by the database clock, or by `now` when a
 * test passes one, except a peel's, which is conditional on (owner, fence) (see
 * `Datastore.schedulePeelMany`).
 */
export class SqlDatastore<Handle extends SqlTransactionHandle = SqlTransactionHandle>
  implements Datastore, CallerTransactions<Handle>
{
  private readonly migrator: Migrator;
  private closing: Promise<void> | undefined;

  /** @param ctx - the SQL context (connection layer and dialect) */
  constructor(private readonly ctx: SqlContext) {
    this.migrator = new Migrator(ctx);
  }

  /** The dialect: `sqlite`, `postgres`, `mysql` (MariaDB too) or `mssql`. */
  get dialectName(): SqlDialectName {
    return this.ctx.dialect.name;
  }

  /** The underlying Sequelize instance, for tests and diagnostics. Do not write Rookery's tables through it. */
  get sequelize(): Sequelize {
    return this.ctx.sequelize;
  }

  /**
   * Applies pending migrations under the dialect's migration lock; safe to call from several
   * nodes at once. Throws `SchemaTooNewError` when the database is newer than this code.
   */
  migrate(): Promise<MigrationStatus> {
    return this.migrator.migrate();
  }

  /** Reads which migrations are applied and which are pending, changing nothing. */
  migrationStatus(): Promise<MigrationStatus> {
    return this.migrator.status();
  }

  /**
   * The SQL {@link migrate} would run here, read without writing anything (not even the
   * migrations table). Throws `SchemaTooNewError` when the database is newer than this code.
   */
  migrationPlan(): Promise<MigrationPlan> {
    return this.migrator.plan();
  }

  /** Throws `SchemaTooNewError` when the database holds a migration newer than this code. */
  assertSchemaNotNewer(): Promise<void> {
    return this.migrator.assertNotNewer();
  }

  /**
   * Throws `SchemaBehindError` (naming the database's version, the code's and the pending ones)
   * when migrations are pending, `SchemaTooNewError` when the database is newer; changes nothing.
   */
  assertSchemaCurrent(): Promise<void> {
    return this.migrator.assertCurrent();
  }

  /** `enqueue`, `enqueueMany` and `createSchedule` in your open transaction on `handle` (a `TransactionHandleFor`); a wrong handle is a ValidationError on `transaction`. */
  inTransaction(handle: Handle): Promise<DatastoreInTransaction> {
    return datastoreInTransaction(this.ctx, handle);
  }

  /** @inheritDoc */
  clockNow(): Promise<number> {
    return this.ctx.single('read the database clock', () => this.ctx.clock());
  }

  /** @inheritDoc */
  close(): Promise<void> {
    this.closing ??= this.ctx.sequelize.close();
    return this.closing;
  }

  /** @inheritDoc */
  async scheduleCreate(schedule: Schedule): Promise<Schedule> {
    checkNameKey('name', schedule.name);
    return scheduleCreate(this.ctx, schedule);
  }

  /** @inheritDoc */
  async scheduleCreateMany(schedules: readonly Schedule[]): Promise<number> {
    schedules.forEach((s, i) => checkNameKey(`[${i}].name`, s.name));
    return scheduleCreateMany(this.ctx, schedules);
  }

  /** @inheritDoc */
  async scheduleGet(id: string): Promise<Schedule | undefined> {
    checkIdArgument('id', id);
    return scheduleGet(this.ctx, id);
  }

  /** @inheritDoc */
  async scheduleGetByName(name: string): Promise<Schedule | undefined> {
    checkIdArgument('name', name);
    return scheduleGetByName(this.ctx, name);
  }

  /** @inheritDoc */
  async scheduleList(params?: ScheduleListParams): Promise<Schedule[]> {
    checkScheduleListParams(params);
    return scheduleList(this.ctx, params);
  }

  /** @inheritDoc */
  async scheduleUpdate(params: ScheduleUpdateParams): Promise<Schedule | undefined> {
    checkIdArgument('id', params.id);
    checkNameKey('definition.name', params.definition.name);
    return scheduleUpdate(this.ctx, params);
  }

  /** @inheritDoc */
  scheduleSetState(params: Parameters<Datastore['scheduleSetState']>[0]): Promise<Schedule | undefined> {
    return scheduleSetState(this.ctx, params);
  }

  /** @inheritDoc */
  scheduleDelete(id: string): Promise<boolean> {
    return scheduleDelete(this.ctx, id);
  }

  /** @inheritDoc */
  scheduleRunNow(params: ScheduleRunNowParams): Promise<Task | undefined> {
    return scheduleRunNow(this.ctx, params);
  }

  /** @inheritDoc */
  schedulePruneDone(params: SchedulePruneDoneParams): Promise<number> {
    return schedulePruneDone(this.ctx, params);
  }

  /** @inheritDoc */
  taskRetry(params: TaskRetryParams): Promise<TaskRetryResult | undefined> {
    return taskRetry(this.ctx, params);
  }

  /** @inheritDoc */
  scheduleClaimDue(params: Parameters<Datastore['scheduleClaimDue']>[0]): Promise<Schedule[]> {
    return scheduleClaimDue(this.ctx, params);
  }

  /** @inheritDoc */
  scheduleClaimValidation(params: ScheduleClaimValidationParams): Promise<Schedule[]> {
    return scheduleClaimValidation(this.ctx, params);
  }

  /** @inheritDoc */
  scheduleValidate(params: ScheduleValidateParams): Promise<Schedule | undefined> {
    return scheduleValidate(this.ctx, params);
  }

  /** @inheritDoc */
  async scheduleListByClient(params: ScheduleListByClientParams): Promise<Schedule[]> {
    checkListByClientParams(params);
    return scheduleListByClient(this.ctx, params);
  }

  /** @inheritDoc */
  schedulePeelMany(params: SchedulePeelManyParams): Promise<SchedulePeelResult[]> {
    return schedulePeelMany(this.ctx, params);
  }

  /** @inheritDoc */
  taskClaimDue(params: TaskClaimDueParams): Promise<TaskClaimDueResult> {
    return taskClaimDue(this.ctx, params);
  }

  /** {@inheritDoc Datastore.taskEnqueue} */
  taskEnqueue(params: TaskEnqueueParams): Promise<EnqueuedTask[]> {
    return taskEnqueue(this.ctx, params);
  }

  /** @inheritDoc */
  taskRenewLeases(params: TaskRenewLeasesParams): Promise<TaskRenewLeasesResult> {
    return taskRenewLeases(this.ctx, params);
  }

  /** @inheritDoc */
  taskFinishMany(params: TaskFinishManyParams): Promise<(Task | undefined)[]> {
    return taskFinishMany(this.ctx, params);
  }

  /** @inheritDoc */
  taskFinishAndClaim(params: TaskFinishAndClaimParams): Promise<TaskFinishAndClaimResult> {
    return taskFinishAndClaim(this.ctx, params);
  }

  /** @inheritDoc */
  taskRepairExpired(params: TaskRepairExpiredParams): Promise<RepairedTask[]> {
    return taskRepairExpired(this.ctx, params);
  }

  /** @inheritDoc */
  taskLeaseHorizon(): Promise<LeaseHorizon> {
    return taskLeaseHorizon(this.ctx);
  }

  /** @inheritDoc */
  taskSetExecution(params: TaskSetExecutionParams): Promise<boolean> {
    return taskSetExecution(this.ctx, params);
  }

  /** @inheritDoc */
  taskAdoptExpired(params: TaskAdoptExpiredParams): Promise<AdoptedTask[]> {
    return taskAdoptExpired(this.ctx, params);
  }

  /** @inheritDoc */
  taskHandOver(params: TaskHandOverParams): Promise<boolean> {
    return taskHandOver(this.ctx, params);
  }

  /** @inheritDoc */
  taskReportExecution(params: TaskReportExecutionParams): Promise<Task | undefined> {
    return taskReportExecution(this.ctx, params);
  }

  /** @inheritDoc */
  taskRequestCancel(params: TaskRequestCancelParams): Promise<Task | undefined> {
    return taskRequestCancel(this.ctx, params);
  }

  /** @inheritDoc */
  rateLimitSet(params: RateLimitSetParams): Promise<void> {
    return rateLimitSet(this.ctx, params);
  }

  /** @inheritDoc */
  rateLimitList(): Promise<RateLimit[]> {
    return rateLimitList(this.ctx);
  }

  /** @inheritDoc */
  taskCancelRequests(params: TaskCancelRequestsParams): Promise<TaskCancelRequest[]> {
    return taskCancelRequests(this.ctx, params);
  }

  /** @inheritDoc */
  taskBacklogUnoffered(params: TaskBacklogUnofferedParams): Promise<UnofferedBacklog[]> {
    return taskBacklogUnoffered(this.ctx, params);
  }

  /** @inheritDoc */
  taskSettleUnresolved(params: TaskSettleUnresolvedParams): Promise<Task[]> {
    return taskSettleUnresolved(this.ctx, params);
  }

  /** @inheritDoc */
  async taskGet(id: string): Promise<Task | undefined> {
    checkIdArgument('id', id);
    return taskGet(this.ctx, id);
  }

  /** @inheritDoc */
  async taskList(params?: TaskListParams): Promise<Task[]> {
    checkTaskListParams(params);
    return taskList(this.ctx, params);
  }

  /** @inheritDoc */
  async taskStats(params: TaskStatsParams): Promise<TaskStats> {
    checkTaskStatsParams(params);
    return taskStats(this.ctx, params);
  }

  /** @inheritDoc */
  async taskEvents(taskId: string): Promise<TaskEvent[]> {
    checkIdArgument('taskId', taskId);
    return taskEvents(this.ctx, taskId);
  }

  /** @inheritDoc */
  taskLogAppend(params: TaskLogAppendParams): Promise<void> {
    return taskLogAppend(this.ctx, params);
  }

  /** @inheritDoc */
  async taskLogRead(params: TaskLogReadParams): Promise<TaskLogLine[]> {
    checkTaskLogReadParams(params);
    return taskLogRead(this.ctx, params);
  }

  /** @inheritDoc */
  nodeRegister(node: NodeRegisterParams): Promise<NodeRecord> {
    return nodeRegister(this.ctx, node);
  }

  /** @inheritDoc */
  nodeHeartbeat(params: NodeHeartbeatParams): Promise<number> {
    return nodeHeartbeat(this.ctx, params);
  }

  /** @inheritDoc */
  nodeStop(params: NodeStopParams): Promise<void> {
    return nodeStop(this.ctx, params);
  }

  /** @inheritDoc */
  nodeList(): Promise<NodeRecord[]> {
    return nodeList(this.ctx);
  }

  /** @inheritDoc */
  historyPrune(params: HistoryPruneParams): Promise<number> {
    return historyPrune(this.ctx, params);
  }

  /** @inheritDoc */
  nodePrune(params: NodePruneParams): Promise<number> {
    return nodePrune(this.ctx, params);
  }
}
