import type { Datastore } from '../datastore/datastore.js';
import { ValidationError } from '../errors/validation-error.js';
import type { Task } from '../model/task.js';

/** How long the cluster keeps history, and how often a node prunes it. */
export interface RetentionOptions {
  /**
   * Finished tasks (any terminal state) are deleted, with their events and logs, this long
   * after they ended, and done schedules (`once` schedules whose run is over) with their
   * ledgers this long after they became done; null keeps them forever.
   */
  historyMs: number | null;
  /** Records of nodes that stopped (or stopped heart-beating) are deleted this long after; null keeps them. */
  nodesMs: number | null;
  /**
   * A pending task due at least this long ago whose executor no node has offered for this long
   * (no node offering it was seen running since) is failed, with reason `unresolved: no node
   * offers executor <name>`, rather than left pending forever. Judged on the database clock.
   * At most `nodesMs`, since the bound is judged from the node records. Null leaves such tasks
   * pending.
   */
  unresolvedAfterMs: number | null;
  /** How often the node prunes. */
  everyMs: number;
}

/** Defaults: history kept 30 days, node records 7 days, unresolved tasks failed after 6 hours, a pass every 10 minutes. */
export const DEFAULT_RETENTION: RetentionOptions = {
  historyMs: 30 * 86_400_000,
  nodesMs: 7 * 86_400_000,
  unresolvedAfterMs: 6 * 3_600_000,
  everyMs: 10 * 60_000,
};

/** Tasks deleted per transaction, and transactions per pass at most (the next pass goes on). */
const BATCH = 1_000;
const BATCHES_PER_PASS = 20;

function duration(field: string, value: number | null, min: number): number | null {
  if (value === null) return null;
  if (!Number.isSafeInteger(value) || value < min)
    throw new ValidationError(field, `must be a whole number of ms of at least ${min}, or null, got ${String(value)}`);
  return value;
}

/** Fills in and checks the retention options; throws a ValidationError naming `retention.<field>`. */
export function resolveRetention(options: Partial<RetentionOptions> = {}): RetentionOptions {
  const nodesMs = duration(
    'retention.nodesMs',
    options.nodesMs === undefined ? DEFAULT_RETENTION.nodesMs : options.nodesMs,
    60_000,
  );
  const unresolvedAfterMs = duration(
    'retention.unresolvedAfterMs',
    options.unresolvedAfterMs === undefined
      ? nodesMs === null
        ? DEFAULT_RETENTION.unresolvedAfterMs
        : Math.min(nodesMs, DEFAULT_RETENTION.unresolvedAfterMs ?? nodesMs)
      : options.unresolvedAfterMs,
    60_000,
  );
  if (unresolvedAfterMs !== null && nodesMs !== null && unresolvedAfterMs > nodesMs) {
    throw new ValidationError(
      'retention.unresolvedAfterMs',
      `must not exceed retention.nodesMs (${nodesMs}): the bound is judged from the node records, got ${unresolvedAfterMs}`,
    );
  }
  return {
    historyMs: duration(
      'retention.historyMs',
      options.historyMs === undefined ? DEFAULT_RETENTION.historyMs : options.historyMs,
      60_000,
    ),
    nodesMs,
    unresolvedAfterMs,
    everyMs:
      duration('retention.everyMs', options.everyMs ?? DEFAULT_RETENTION.everyMs, 1_000) ?? DEFAULT_RETENTION.everyMs,
  };
}

/**
 * One retention pass, judged by the database clock: fails the pending tasks nobody has been
 * able to run for `unresolvedAfterMs` (see `Datastore.taskSettleUnresolved`), deletes finished
 * tasks older than `historyMs` and the schedules done for longer than `historyMs` with their
 * ledgers (each in bounded transactions, at most 20 000 per pass; the next pass goes on) and
 * node records older than `nodesMs`. Several nodes at once is harmless: each write is
 * conditional and idempotent. Returns what was deleted, and the tasks failed.
 */
export async function pruneOnce(
  datastore: Datastore,
  retention: RetentionOptions,
  nodeId: string,
): Promise<{ tasks: number; nodes: number; schedules: number; unresolved: Task[] }> {
  const unresolved: Task[] = [];
  if (retention.unresolvedAfterMs !== null) {
    for (let i = 0; i < BATCHES_PER_PASS; i += 1) {
      const failed = await datastore.taskSettleUnresolved({
        nodeId,
        unresolvedAfterMs: retention.unresolvedAfterMs,
        limit: BATCH,
      });
      unresolved.push(...failed);
      if (failed.length < BATCH) break;
    }
  }
  const now = await datastore.clockNow();
  let tasks = 0;
  let schedules = 0;
  if (retention.historyMs !== null) {
    const endedBefore = now - retention.historyMs;
    for (let i = 0; i < BATCHES_PER_PASS; i += 1) {
      const deleted = await datastore.schedulePruneDone({ doneBefore: endedBefore, limit: BATCH });
      schedules += deleted;
      if (deleted < BATCH) break;
    }
    for (let i = 0; i < BATCHES_PER_PASS; i += 1) {
      const deleted = await datastore.historyPrune({ endedBefore, limit: BATCH });
      tasks += deleted;
      if (deleted < BATCH) break;
    }
  }
  const nodes = retention.nodesMs === null ? 0 : await datastore.nodePrune({ seenBefore: now - retention.nodesMs });
  return { tasks, nodes, schedules, unresolved };
}
