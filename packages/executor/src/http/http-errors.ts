import { PermanentError } from '@rookery/core';

/**
 * A call answered with 5xx, 408 (request timeout) or 429 (too many requests): the attempt
 * fails and the schedule's retry policy decides what comes next.
 */
export class HttpStatusError extends Error {
  /** The status. */
  readonly status: number;
  /** The start of the response body, as text. */
  readonly body: string;

  /**
   * @param message - what was called and how it answered
   * @param status - the status
   * @param body - the start of the response body
   */
  constructor(message: string, status: number, body: string) {
    super(message);
    this.name = 'HttpStatusError';
    this.status = status;
    this.body = body;
  }
}

/**
 * A call answered with a status that a retry will not change (4xx but 408 and 429, or a 1xx/3xx
 * that is not a redirect to follow): a {@link PermanentError}, so the task fails without retry.
 */
export class HttpClientError extends PermanentError {
  /** The status. */
  readonly status: number;
  /** The start of the response body, as text. */
  readonly body: string;

  /**
   * @param message - what was called and how it answered
   * @param status - the status
   * @param body - the start of the response body
   */
  constructor(message: string, status: number, body: string) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/** Why a redirect was not followed: to another origin, or one hop too many. */
export type HttpRedirectRefusal = 'cross-origin' | 'too-many';

/**
 * A redirect the executor does not follow, so the task fails for good (a {@link PermanentError}):
 * one to another origin (which would carry the signature, the headers and the body to a host the
 * payload did not name), or one past the executor's `maxRedirects`.
 */
export class HttpRedirectError extends PermanentError {
  /** Why it was not followed. */
  readonly refusal: HttpRedirectRefusal;
  /** The redirect's status (301, 302, 303, 307 or 308). */
  readonly status: number;
  /** Where it pointed, without user info or query: `origin` + path. */
  readonly location: string;

  /**
   * @param message - what was called and why the redirect was not followed
   * @param refusal - why
   * @param status - the redirect's status
   * @param location - where it pointed, without user info or query
   */
  constructor(message: string, refusal: HttpRedirectRefusal, status: number, location: string) {
    super(message);
    this.refusal = refusal;
    this.status = status;
    this.location = location;
  }
}

/**
 * A call to an origin that is not on the executor's `allowedOrigins`: it is not made, and the
 * task fails for good (a {@link PermanentError}).
 */
export class HttpDestinationError extends PermanentError {
  /** The origin the payload named, such as `https://api.example.com`. */
  readonly origin: string;

  /**
   * @param message - what was refused and what the list allows
   * @param origin - the origin refused
   */
  constructor(message: string, origin: string) {
    super(message);
    this.origin = origin;
  }
}
