/** Stable machine-readable codes of every error Rookery throws on purpose. */
export type RookeryErrorCode =
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'DUPLICATE_KEY'
  | 'LEASE_LOST'
  | 'UNKNOWN_EXECUTOR'
  | 'PERMANENT_FAILURE'
  | 'DATASTORE'
  | 'SCHEMA_TOO_NEW'
  | 'SCHEMA_BEHIND'
  | 'STOPPED'
  | 'ABORTED'
  | 'CANCELLED'
  | 'HEARTBEAT_TIMEOUT'
  | 'VALIDATION_TIMEOUT'
  | 'EXECUTION_ORPHANED'
  | 'MISSING_DRIVER';

/**
 * Base class of every error Rookery throws on purpose. `code` is stable across versions and
 * is what callers should branch on; the message is for people.
 */
export class RookeryError extends Error {
  /** Stable code of this error. */
  readonly code: RookeryErrorCode;

  /**
   * @param code - the stable code
   * @param message - what went wrong and what to do about it
   * @param options - the underlying cause, if any
   */
  constructor(code: RookeryErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
