import { RookeryError } from './rookery-error.js';

/**
 * A unique key refused a row: a schedule name already taken (names compare after Unicode
 * NFC normalisation and case folding, identically on every dialect), or a second task for one
 * (schedule, fire time). Every dialect's own duplicate-key error is mapped to this one.
 */
export class DuplicateKeyError extends RookeryError {
  /** The field whose value is already taken. */
  readonly field: string;

  /**
   * @param field - the field whose value is taken (`name`, `fireAt`)
   * @param message - what was duplicated
   */
  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super('DUPLICATE_KEY', `${field}: ${message}`, options);
    this.field = field;
  }
}
