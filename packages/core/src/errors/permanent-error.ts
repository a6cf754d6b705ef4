import { RookeryError } from './rookery-error.js';

/**
 * Thrown by a task's code to fail the task for good: no retry is attempted whatever the
 * schedule's retry policy says.
 *
 * @example
 * ```ts
 * if (!user) throw new PermanentError('user was deleted');
 * ```
 */
export class PermanentError extends RookeryError {
  /**
   * @param message - why the task can never succeed
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super('PERMANENT_FAILURE', message, options);
  }
}
