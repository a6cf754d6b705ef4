import { systemClock, type Clock, type Datastore, type EventBus } from '@rookery/core';

/** Where and how often the due backlog is read. */
export interface BacklogOptions {
  /** The datastore read. */
  datastore: Datastore;
  /** The database clock as the node estimates it (`node.dbNow()`): a task due at or before it counts. */
  dbNow: () => number;
  /** Told of a failed read (as `generalError`, source `metrics`); the last value stays. */
  events: EventBus;
  /** Node id the errors name. */
  nodeId: string;
  /** A value younger than this is served from cache. @defaultValue 15 000 ms */
  cacheMs?: number;
  /** Pending tasks read at most; the gauge reports at most this many. @defaultValue 10 000 */
  limit?: number;
  /** Clock of the cache. @defaultValue systemClock */
  clock?: Clock;
}

/**
 * Returns a reader of the number of pending tasks already due: it reads the pending tasks (at
 * most `limit`) at most once per `cacheMs` and counts those due, and answers from cache in
 * between, so frequent scrapes cost the database nothing. A failed read is reported and
 * answered with the last value (null before the first success).
 */
export function createBacklogReader(options: BacklogOptions): () => Promise<number | null> {
  const cacheMs = options.cacheMs ?? 15_000;
  const limit = options.limit ?? 10_000;
  const clock = options.clock ?? systemClock;
  let value: number | null = null;
  let readAt = -Infinity;
  return async () => {
    if (clock.monotonic() - readAt < cacheMs) return value;
    readAt = clock.monotonic();
    try {
      const pending = await options.datastore.taskList({ states: ['pending'], limit });
      const now = options.dbNow();
      value = pending.filter((t) => t.dueAt <= now).length;
    } catch (error) {
      options.events.emit('generalError', error instanceof Error ? error : new Error(String(error)), {
        nodeId: options.nodeId,
        source: 'metrics',
      });
    }
    return value;
  };
}
