import { DatastoreError } from '@rookery/core';

/** How {@link openWithRetry} retries. */
export interface OpenRetryOptions {
  /** Give up (rethrow the last error) once this long has passed since the first try, ms. */
  timeoutMs: number;
  /** Told of every failed try before the wait that follows it. */
  onRetry(error: DatastoreError, attempt: number, waitMs: number): void;
  /** When this settles, stop trying and resolve undefined (the node was told to stop). */
  stopped: Promise<unknown>;
  /** The clock. @defaultValue Date.now */
  now?: () => number;
}

/** Waits between tries: 0.5 s, doubling, at most 5 s. */
function waitFor(attempt: number): number {
  return Math.min(5_000, 500 * 2 ** (attempt - 1));
}

/**
 * Opens a datastore, retrying while the database cannot be reached or drops the connection
 * during the migration: a node started before its database (a compose file, a failover) waits
 * for it instead of exiting. Only {@link DatastoreError}s are retried; anything else (a bad
 * URL, a schema newer than this code) is thrown at once, as is the last error once `timeoutMs`
 * has passed. Resolves undefined when `stopped` settles first.
 *
 * @param open - one try at opening the datastore
 * @param options - see {@link OpenRetryOptions}
 */
export async function openWithRetry<T>(open: () => Promise<T>, options: OpenRetryOptions): Promise<T | undefined> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  let stopped = false;
  let wake: () => void = () => undefined;
  void options.stopped.then(() => {
    stopped = true;
    wake();
  });
  for (let attempt = 1; ; attempt += 1) {
    if (stopped) return undefined;
    try {
      return await open();
    } catch (error) {
      if (!(error instanceof DatastoreError)) throw error;
      const waitMs = waitFor(attempt);
      if (now() - startedAt + waitMs > options.timeoutMs) throw error;
      options.onRetry(error, attempt, waitMs);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}
