import type { RunRecord } from '@rookery/core';
import { occurrenceOf } from './history-tail.js';
import { distribution, type Distribution } from './stats.js';

/** What a SIGKILL of one process did to the others' tasks and to its own. */
export interface FailoverFigures {
  /** Tasks (occurrences) the killed process had started and not ended. */
  held: number;
  /** The latest first-start lateness (start minus due time) of a task the killed process did not hold, ms; NaN for none. */
  latestUnheldLatenessMs: number;
  /** For each held task that started again elsewhere: ms from the kill to that start. */
  restartMs: Distribution;
  /** Held tasks that never started again in the run. */
  notRestarted: number;
}

/**
 * The failover figures of a run's records: which tasks process `victim` held when it was killed
 * at `killedAt` (a start of its own without an end), how late the latest of all the other
 * tasks started, and when the held ones started again on another process.
 */
export function failoverFigures(records: readonly Pick<RunRecord, 'kind' | 'nodeId' | 'taskId' | 'scheduleId' | 'fireAt' | 'at'>[], victim: string, killedAt: number): FailoverFigures {
  const open = new Map<string, number>();
  const firstLateness = new Map<string, number>();
  for (const r of records) {
    const key = occurrenceOf(r);
    if (r.kind === 'start') {
      const lateness = r.at - r.fireAt;
      firstLateness.set(key, Math.min(lateness, firstLateness.get(key) ?? lateness));
    }
    if (r.nodeId === victim) open.set(key, (open.get(key) ?? 0) + (r.kind === 'start' ? 1 : -1));
  }
  const held = new Set([...open].flatMap(([key, n]) => (n > 0 ? [key] : [])));
  const restart = new Map<string, number>();
  for (const r of records) {
    const key = occurrenceOf(r);
    if (r.kind !== 'start' || r.nodeId === victim || r.at < killedAt || !held.has(key)) continue;
    restart.set(key, Math.min(r.at - killedAt, restart.get(key) ?? Number.POSITIVE_INFINITY));
  }
  const unheld = [...firstLateness].flatMap(([key, ms]) => (held.has(key) ? [] : [ms]));
  return {
    held: held.size,
    latestUnheldLatenessMs: unheld.length > 0 ? Math.max(...unheld) : Number.NaN,
    restartMs: distribution([...restart.values()]),
    notRestarted: held.size - restart.size,
  };
}
