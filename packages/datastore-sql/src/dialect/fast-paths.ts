import type {
  NewJob,
  Schedule,
  SchedulePeelManyParams,
  SchedulePeelResult,
  Task,
  TaskClaimDueParams,
  TaskFinishAndClaimParams,
  TaskFinishManyParams,
  ScheduleClaimDueParams,
} from '@rookery/core';
import type { SqlContext } from '../store/sql-context.js';

/** What a fast-path claim did, and what it left for the generic claim. */
export interface FastClaimResult {
  /** Tasks started under the caller's lease. */
  started: Task[];
  /** Tasks past their starting deadline, now `missed`. */
  missed: Task[];
  /**
   * Due candidates it picked but did not start (their duplicate policy needs the run slot, or
   * their executor has a cluster-wide rate limit); the generic claim takes these.
   */
  leftOver: number;
}

/**
 * A dialect's own ways of doing the store's hottest operations, each one round trip where the
 * generic store needs a transaction of several statements (PostgreSQL: writable CTEs on
 * prepared statements). The generic store calls a dialect's fast path when it has one and
 * runs its generic SQL otherwise; every fast path keeps the store's rules (the conformance
 * suite runs on both).
 */
export interface FastPaths {
  /**
   * Claims due tasks of the common case (duplicate policy `run`, executor without a rate
   * limit) and settles tasks past their starting deadline as `missed`; the generic claim takes
   * what it leaves over.
   */
  claimTasks(ctx: SqlContext, p: TaskClaimDueParams): Promise<FastClaimResult>;
  /**
   * Commits the outcomes of tasks of duplicate policy `run` (one commit per task); answers the
   * tasks written, by id. A commit it did not write goes to the generic finish.
   */
  finishTasks(
    ctx: SqlContext,
    finishes: TaskFinishManyParams['finishes'],
    now: number | undefined,
  ): Promise<Map<string, Task>>;
  /**
   * {@link FastPaths.finishTasks} and then {@link FastPaths.claimTasks} as one round trip and
   * one transaction; what either leaves goes to the generic finish or claim.
   */
  finishAndClaim(
    ctx: SqlContext,
    p: TaskFinishAndClaimParams,
  ): Promise<{ finished: Map<string, Task>; claimed: FastClaimResult }>;
  /** Inserts jobs (keys distinct), skipping those whose live key or key lock is taken; answers the tasks inserted. */
  enqueueJobs(ctx: SqlContext, jobs: readonly NewJob[], now: number | undefined): Promise<Task[]>;
  /** Claims due schedules (see `scheduleClaimDue`), answered by next fire time. */
  claimSchedules(ctx: SqlContext, p: ScheduleClaimDueParams): Promise<Schedule[]>;
  /** Writes the results of peeling claimed schedules (see `schedulePeelMany`), but for ending a `once` schedule. */
  peelSchedules(ctx: SqlContext, p: SchedulePeelManyParams): Promise<SchedulePeelResult[]>;
}
