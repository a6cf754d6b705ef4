import type { Json } from '../json.js';
import type { Trigger } from '../trigger/trigger.js';
import type { SchedulePolicies } from './policies.js';

/**
 * Lifecycle state of a schedule. A schedule submitted with a client id starts in
 * `pending-validation` (never peeled) until a node that has its executor validates it: it then
 * becomes `active`, or `rejected` (terminal, never peeled; delete it to reuse its name). An
 * active `once` schedule becomes `done` (terminal) when its only task has reached a terminal
 * state: it never fires again, and retention deletes it with its ledger once the retention
 * window has passed.
 */
export type ScheduleState = 'active' | 'paused' | 'retired' | 'pending-validation' | 'rejected' | 'done';

/** How the cluster judged a schedule submitted with a client id. */
export interface ScheduleValidation {
  /** Id of the node that validated it. */
  by: string;
  /** When, database clock (epoch ms). */
  at: number;
  /** For a rejected schedule, the field at fault (`payload.command`); null when accepted. */
  field: string | null;
  /** For a rejected schedule, why; null when accepted. */
  reason: string | null;
}

/** A scheduled job: what to run, when, and under which policies. */
export interface Schedule {
  /** Primary key (UUID v7 by default). */
  id: string;
  /** Unique name, stored in Unicode NFC. */
  name: string;
  /** Name of the executor that runs its tasks. */
  executor: string;
  /** JSON payload handed to the executor. */
  payload: Json;
  /** When it fires. */
  trigger: Trigger;
  /** No fire time before this instant; null for none. */
  startAt: number | null;
  /** No fire time after this instant; null for none. */
  endAt: number | null;
  /** Every policy, defaults filled in. */
  policies: SchedulePolicies;
  /** Lifecycle state. */
  state: ScheduleState;
  /** Who submitted it for asynchronous validation (see `ScheduleInput.clientId`); null for none. */
  clientId: string | null;
  /** The cluster's verdict on a schedule submitted with a client id; null until validated, and for none. */
  validation: ScheduleValidation | null;
  /** Next fire time not yet peeled into a task; null when there is none (finished, or waiting for a run to end). */
  nextFireAt: number | null;
  /** A task whose start or end must come before the next one is peeled (task creation `on-start`/`on-end`). */
  gateTaskId: string | null;
  /** Lease owner (a node's lease id), while a node peels it. */
  leaseOwner: string | null;
  /** When that lease expires, database clock. */
  leaseExpiresAt: number | null;
  /** Grows with every claim of the schedule's lease. */
  fence: number;
  /** Creation instant. */
  createdAt: number;
  /** Last change. */
  updatedAt: number;
}
