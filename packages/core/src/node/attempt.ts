import type { Json } from '../json.js';
import type { Task } from '../model/task.js';
import type { LongTimer } from './long-timer.js';

/** Why an attempt was aborted by the node. */
export type AbortCause = 'timeout' | 'cancel' | 'lease-lost' | 'stop';

/** The node's local state of one running attempt. */
export interface Attempt {
  /** The task as claimed. */
  task: Task;
  /** Aborts the execution. */
  controller: AbortController;
  /** Monotonic instant after which the lease can no longer be trusted. */
  trustUntil: number;
  /** Set once the node aborted the attempt, with the cause. */
  abortCause: AbortCause | null;
  /** Timeout timer, if the schedule has a timeout. */
  timeoutTimer: LongTimer | null;
  /** Settles when the attempt is over (committed, handed back, or given up). */
  done: Promise<void>;
}

/** What an execution produced before the node decides the outcome. */
export type ExecutionResult = { ok: true; result: Json | null } | { ok: false; error: unknown };

/** A human-readable message of anything thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return typeof error === 'string' ? error : JSON.stringify(error) ?? String(error);
}

/** Wraps anything thrown into an Error, keeping the original as cause. */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(errorMessage(error), { cause: error });
}
