import { DuplicateKeyError, NotFoundError, ValidationError } from '@rookery/core';
import type { Role } from '../auth/roles.js';

/** The `code` of an error answer. */
export type ApiErrorCode = 'unauthorized' | 'forbidden' | 'validation' | 'not_found' | 'conflict' | 'internal';

/** The body of an error answer. */
export interface ApiErrorBody {
  /** What went wrong. */
  error: {
    /** Machine-readable kind. */
    code: ApiErrorCode;
    /** For people. */
    message: string;
    /** The field at fault (validation, conflict). */
    field?: string;
    /** The role the route needs (forbidden). */
    required?: Role;
  };
}

/** An error answer: its HTTP status and body. */
export class ApiError extends Error {
  /** HTTP status. */
  readonly status: number;
  /** The answer's body. */
  readonly body: ApiErrorBody;

  /**
   * @param status - HTTP status
   * @param error - the body's `error`
   */
  constructor(status: number, error: ApiErrorBody['error']) {
    super(error.message);
    this.name = 'ApiError';
    this.status = status;
    this.body = { error };
  }
}

/** A 400 naming `field`. */
export function validationError(field: string, message: string): ApiError {
  return new ApiError(400, { code: 'validation', message: `${field}: ${message}`, field });
}

/**
 * The answer for an error a route's client call threw: a ValidationError is 400 naming its
 * field, except one on `state` (the schedule's state forbids the change), which is a 409
 * conflict, as is a DuplicateKeyError (a name taken); a NotFoundError is 404. Anything else is
 * not the caller's fault: null (the server answers 500 and reports it).
 */
export function clientErrorAnswer(error: unknown): ApiError | null {
  if (error instanceof ApiError) return error;
  if (error instanceof ValidationError) {
    if (error.field === 'state')
      return new ApiError(409, { code: 'conflict', message: error.message, field: error.field });
    return new ApiError(400, { code: 'validation', message: error.message, field: error.field });
  }
  if (error instanceof DuplicateKeyError)
    return new ApiError(409, { code: 'conflict', message: error.message, field: error.field });
  if (error instanceof NotFoundError) return new ApiError(404, { code: 'not_found', message: error.message });
  return null;
}
