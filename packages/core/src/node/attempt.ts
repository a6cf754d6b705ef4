import type { Json } from '../json.js';
import type { Task } from '../model/task.js';
import type { LongTimer } from './long-timer.js';

/**
 * Why an attempt was aborted by the node: its timeout, a cancel request, a lost lease, the
 * node stopping, or its executor falling silent (no `heartbeat()` for the heartbeat timeout).
 */
export type AbortCause = 'timeout' | 'cancel' | 'lease-lost' | 'stop' | 'heartbeat-timeout';

/** The node's local state of one running attempt. */
export interface Attempt {
  /** The task as claimed. */
  task: Task;
  /** Aborts the execution. */
  controller: AbortController;
  /**
   * Monotonic instant after which the lease can no longer be trusted, less the executor's
   * abort grace: aborted then, the execution has stopped before the lease may expire.
   */
  trustUntil: number;
  /** The executor's abort grace (see `Executor.abortGraceMs`), 0 when it settles at once. */
  abortGraceMs: number;
  /** Set once the node aborted the attempt, with the first cause. */
  abortCause: AbortCause | null;
  /** What the abort said beyond its cause (a cancel request's reason), or null. */
  abortDetail: string | null;
  /** Monotonic instant of the executor's last `heartbeat()`, or null before the first. */
  lastHeartbeatAt: number | null;
  /** Set once the lease is lost (or given up): nothing of the attempt's outcome is ever committed. */
  leaseLost: boolean;
  /**
   * Aborted the moment the lease is lost or given up, even when something else aborted the
   * execution before (a timeout, the node stopping): a wait for a write that can no longer
   * matter ends then, so what must follow the loss (cancelling an unrecorded external
   * execution) happens before another node may take the task.
   */
  leaseLoss: AbortController;
  /**
   * Set when the lease was given up because the local trust window ran out, not because the
   * database said it is gone: it may still be this node's there, and once the attempt's work
   * is known to have stopped the task is handed back under it (see `FinishDuty.handBack`).
   */
  trustRanOut: boolean;
  /** Timeout timer, if the schedule has a timeout. */
  timeoutTimer: LongTimer | null;
  /**
   * Set once the execution has ended and its outcome is decided (its commit may still wait for
   * a claim to carry it): a cancel request can no longer change it.
   */
  executionEnded: boolean;
  /** Settles when the attempt is over (committed, handed back, or given up); never rejects. */
  done: Promise<void>;
}

/** What an execution produced before the node decides the outcome. */
export type ExecutionResult = { ok: true; result: Json | null } | { ok: false; error: unknown };

/** Longest error or reason text written to the datastore. */
export const MAX_TEXT = 4_000;

/** A human-readable message of anything thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error));
}

/**
 * Text fit for every dialect: no NUL (PostgreSQL refuses it in text), at most {@link MAX_TEXT}
 * characters (the tail is cut, and says so).
 */
export function storableText(text: string): string {
  const clean = text.replace(/\u0000/g, '');
  return clean.length <= MAX_TEXT
    ? clean
    : `${clean.slice(0, MAX_TEXT - 20)}… [${clean.length - MAX_TEXT + 20} chars cut]`;
}

/** Wraps anything thrown into an Error, keeping the original as cause. */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(errorMessage(error), { cause: error });
}

/**
 * Settles with `work`, or rejects with the signal's reason as soon as it aborts, whichever
 * comes first. A late settlement of `work` is observed (never an unhandled rejection) and
 * ignored: in-process code that ignores its signal cannot hold the node.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
