import type { Schedule, ScheduleState } from '../model/schedule.js';
import type { Task, TaskState } from '../model/task.js';
import type { ClockParams } from './clock-params.js';

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

/** Input of {@link Datastore.scheduleUpdate}. */
export interface ScheduleUpdateParams extends ClockParams {
  /** The schedule. */
  id: string;
  /** Its new definition. */
  definition: Pick<Schedule, 'name' | 'executor' | 'payload' | 'trigger' | 'startAt' | 'endAt' | 'policies'>;
  /** Its next fire time under the new definition (null: none, or waiting for a run to end). */
  nextFireAt: number | null;
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
  { state: 'active'; nextFireAt: number | null } | { state: 'rejected'; field: string; reason: string };

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
