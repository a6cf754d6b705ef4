/**
 * Rookery core: the model, trigger math, strategies, the node loop and the interfaces every
 * other package implements.
 *
 * @example
 * ```ts
 * import { RookeryNode, RookeryClient } from '@rookery/core';
 * import { createSqlDatastore } from '@rookery/datastore-sql';
 * import { createEventBus } from '@rookery/messaging';
 * import { WorkerPool, functionExecutors } from '@rookery/executor';
 *
 * const datastore = await createSqlDatastore({ url: 'sqlite:./rookery.db' });
 * const events = createEventBus();
 * const node = new RookeryNode({
 *   datastore, events,
 *   executors: functionExecutors({ 'send-report': async (ctx) => ({ sent: true }) }),
 *   pool: new WorkerPool({ concurrency: 10 }),
 * });
 * await node.start();
 * await new RookeryClient({ datastore, events }).createSchedule({
 *   name: 'nightly-report', executor: 'send-report',
 *   trigger: { kind: 'cron', expr: '0 3 * * *', tz: 'Europe/Berlin' },
 * });
 * ```
 * @packageDocumentation
 */
export type { Json } from './json.js';
export * from './errors/index.js';
export type * from './trigger/trigger.js';
export type * from './model/policies.js';
export type * from './model/schedule.js';
export * from './model/task.js';
export type * from './model/node-record.js';
export type * from './datastore/datastore.js';
export type * from './datastore/external-execution.js';
export {
  RETRYABLE_TASK_STATES,
  type ScheduleRunNowParams,
  type SchedulePruneDoneParams,
  type TaskRetryParams,
  type TaskRetryResult,
} from './datastore/operator-actions.js';
export { manualTask } from './model/manual-task.js';
export { gateReleaseOf, taskPoliciesOf, TASK_POLICY_KEYS } from './model/task-policies.js';
export type * from './datastore/test-hooks.js';
export type * from './datastore/caller-transaction.js';
export type * from './executor/executor.js';
export type * from './executor/worker-pool.js';
export type * from './events/event-map.js';
export type * from './events/event-bus.js';
export * from './strategies/clock.js';
export * from './strategies/timers.js';
export * from './strategies/ids.js';
export * from './strategies/random.js';
export * from './strategies/retry.js';
export * from './strategies/misfire.js';
export * from './strategies/registry.js';
export { nameKey } from './datastore/name-key.js';
export * from './datastore/read-params.js';
export {
  ENQUEUED_REASON,
  MANUAL_RUN_REASON,
  OPERATOR_RETRY_REASON,
  MISSED_DEADLINE_REASON,
  skipBusyReason,
  skipQueueFullReason,
  skipSupersededReason,
  queueWaitReason,
  replaceCancelReason,
  replaceWaitReason,
  repairReason,
  adoptReason,
  unresolvedReason,
} from './datastore/ledger-reasons.js';
export {
  RATE_WINDOW_MS,
  advanceRateWindow,
  pickWithinRates,
  rateAllowance,
  rateWindowStart,
  type RateWindow,
} from './datastore/rate-window.js';
export { MemoryDatastore } from './datastore/memory/memory-store.js';
export type { MemoryDatastoreOptions } from './datastore/memory/memory-state.js';
export { executorsOfferedSince, nodeLastSeen } from './datastore/unresolved.js';
export { RookeryNode } from './node/rookery-node.js';
export { noWakeSignals, type WakeKind, type WakeSignals } from './wake/wake-signals.js';
export {
  fitAbortGraces,
  maxAbortGraceMs,
  MIN_TRUST_WINDOW_MS,
  resolveTimings,
  type NodeOptions,
  type NodeTimings,
} from './node/node-options.js';
export { DEFAULT_MAX_RESULT_BYTES, MAX_RESULT_BYTES_LIMIT } from './node/storable-result.js';
export { DEFAULT_RETENTION, pruneOnce, resolveRetention, type RetentionOptions } from './node/retention.js';
export {
  planPeel,
  MAX_LEDGER_ROWS,
  MAX_PEEL_BACKLOG,
  type PeelPlan,
  type PeelContext,
} from './node/duties/peel-plan.js';
export {
  RookeryClient,
  type ClientOptions,
  type CreateScheduleOptions,
  type CreateSchedulesOptions,
  type ScheduleChanges,
} from './client/rookery-client.js';
export type { EnqueueOptions } from './client/enqueue.js';
export type { Page, SchedulePageParams, TaskPageParams } from './client/list-pages.js';
export { NODE_SILENT_AFTER_MS, type ClusterOverview, type NodeSummary } from './client/overview.js';
export type { TransactionOption } from './client/transaction-option.js';
export type { RunScheduleOptions } from './client/schedule-lifecycle.js';
export { jobTask } from './model/job-task.js';
export { validateJobInput, type JobInput, type JobPolicyInput, type ValidatedJob } from './model/job-input.js';
export { keyLock, validateKeyScope, type KeyScope } from './model/key-scope.js';
export type {
  SyncOutcome,
  SyncSchedulesOptions,
  SyncedSchedule,
  UpsertOutcome,
  UpsertResult,
} from './client/schedule-sync.js';
export type { StandardSchemaV1 } from './executor/standard-schema.js';
export {
  plainScheduleInput,
  type AnyScheduleInput,
  type TypedExecutor,
  type TypedScheduleInput,
} from './executor/typed-executor.js';
export type { RunRecord, FaultRecord } from './history/run-record.js';
export {
  checkHistory,
  historyIsClean,
  type HistoryInput,
  type HistoryReport,
  type Finding,
  type Recovery,
} from './history/check-history.js';
export * from './trigger/next-fire.js';
export * from './trigger/validate-trigger.js';
export * from './trigger/instant-input.js';
export * from './trigger/preview.js';
export { canonicalTimeZone } from './trigger/time-zone-name.js';
export { zoneOffsetMs, wallTimeAt, resolveWall, type WallResolution } from './trigger/wall-clock.js';
export * from './model/schedule-input.js';
export { firstFireTime } from './model/first-fire.js';
export { redactUrl, REDACTED } from './text/redact-url.js';
export * from './connection/index.js';
export { untakenFireTime } from './model/untaken-fire-time.js';
export { submissionOf, type ScheduleSubmission, type SubmissionState } from './model/submission.js';
export * from './logging/index.js';
export * from './tracing/index.js';
