/** Structured fields of one log record: names to JSON-friendly values. */
export type LogFields = Record<string, unknown>;

/**
 * One level's log method: structured fields first, then an optional message, as pino takes them.
 * A pino method (`logger.info`) fits, and so does a small adapter over `console`.
 */
export type LogMethod = (fields: LogFields, message?: string) => void;

/**
 * The logger Rookery writes to: the shape of a pino logger that Rookery uses, so that a pino
 * instance (or any logger with these methods, such as a console adapter) can be handed over
 * as is. Rookery never depends on pino itself.
 *
 * @example
 * ```ts
 * import pino from 'pino';
 * const node = new RookeryNode({ ...wiring, logger: pino() });
 * ```
 */
export interface Logger {
  /** Detail for diagnosis (Rookery itself logs nothing at this level). */
  debug: LogMethod;
  /** The life of a node and its tasks. */
  info: LogMethod;
  /** Something a person should look at: a lost lease, a failed attempt, a clock offset. */
  warn: LogMethod;
  /** An unexpected error. */
  error: LogMethod;
  /** A logger whose records all carry `bindings` besides their own fields. */
  child(bindings: LogFields): Logger;
}

/** A logger that writes nothing: the default of a node and a client. */
export const noopLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => noopLogger,
};
