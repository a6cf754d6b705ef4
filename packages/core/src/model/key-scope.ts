import { ValidationError } from '../errors/validation-error.js';

/**
 * How long a job's dedupe key answers for its task:
 * - `'live'`: while the task is pending or running (retries included); once it has ended, the
 *   key is free again. pg-boss's `singletonKey`, River's unique jobs by state.
 * - `'ever'`: for as long as the task is stored, whatever became of it (retention frees it
 *   with the task).
 * - `{ periodMs }`: once per period: the key answers for the task enqueued with it in the same
 *   period of `periodMs` (periods counted from the epoch, by the database clock), whatever
 *   became of that task. pg-boss's `singletonSeconds`, River's `ByPeriod`.
 *
 * A key of one scope does not answer for another scope's tasks, except that a live task
 * always holds its key: while a task with the key is pending or running, any enqueue of the
 * key answers it.
 */
export type KeyScope = 'live' | 'ever' | { periodMs: number };

/** Longest period of a `{ periodMs }` key scope: a year of 366 days. */
const MAX_PERIOD_MS = 366 * 86_400_000;

/** Checks a key scope from untrusted input: a ValidationError on `keyScope` (or `keyScope.periodMs`). */
export function validateKeyScope(input: unknown): KeyScope {
  if (input === undefined || input === 'live') return 'live';
  if (input === 'ever') return 'ever';
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const extra = Object.keys(input).find((k) => k !== 'periodMs');
    if (extra !== undefined) throw new ValidationError(`keyScope.${extra}`, 'unknown field of a key scope');
    const periodMs = (input as Record<string, unknown>)['periodMs'];
    if (typeof periodMs !== 'number' || !Number.isInteger(periodMs) || periodMs < 1_000 || periodMs > MAX_PERIOD_MS) {
      throw new ValidationError(
        'keyScope.periodMs',
        `must be a whole number of milliseconds from 1 000 to ${MAX_PERIOD_MS}; got ${String(periodMs)}`,
      );
    }
    return { periodMs };
  }
  throw new ValidationError('keyScope', "must be 'live', 'ever' or { periodMs }");
}

/**
 * The lock a job's key takes for a scope that outlives its task (`ever`, a period), unique
 * among stored tasks; null for a live key (held by the task's state) or no key. A period's
 * lock names the period `now` falls in.
 */
export function keyLock(key: string | null, scope: KeyScope, now: number): string | null {
  if (key === null || scope === 'live') return null;
  if (scope === 'ever') return `ever:${key}`;
  return `period:${scope.periodMs}:${Math.floor(now / scope.periodMs)}:${key}`;
}
