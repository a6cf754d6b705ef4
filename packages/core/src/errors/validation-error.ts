import { RookeryError } from './rookery-error.js';

/**
 * Bad input: a schedule, option or argument that Rookery refuses. `field` names the offending
 * field with a dotted path (`trigger.cron`, `policies.retry.maxAttempts`); nothing was written.
 */
export class ValidationError extends RookeryError {
  /** Dotted path of the field that is wrong. */
  readonly field: string;

  /**
   * @param field - dotted path of the offending field
   * @param message - what is wrong with it
   */
  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super('VALIDATION', `${field}: ${message}`, options);
    this.field = field;
  }
}
