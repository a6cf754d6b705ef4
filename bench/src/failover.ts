import type { RunRecord } from '@rookery/core';
import { occurrenceOf } from './history-tail.js';
import { distribution, type Distribution } from './stats.js';

/** What a SIGKILL of one process did to the others' tasks and to its own. */
export interface FailoverFigures {
  /** Tasks (occurrences) the killed process held: started there and not ended, or claimed there and handed out again (a start of attempt 2 or more after the kill). */
  held: number;
  /** The latest first-start lateness (start minus due time) of a task the killed process did not hold, ms; NaN for none. */
  latestUnheldLatenessMs: number;
  /** For each held task that started again elsewhere: ms from the kill to that start. */
  restartMs: Distribution;
  /** Held tasks that never started again in the run. */
  notRestarted: number;
}

/** The fields of a history record the failover figures read. */
export type FailoverRecord = Pick<RunRecord, 'kind' | 'nodeId' | 'taskId' | 'scheduleId' | 'fireAt' | 'attempt' | 'at'>;

/**
 * The failover figures of a run's records: which tasks process `victim` held when it was killed
 * at `killedAt` (a start of its own without an end; or a task it had claimed without starting,
 * seen as a start of attempt 2 or more elsewhere after the kill), how late the latest of all
 * the other tasks started, and when the held ones started again on another process. A task
 * the victim claimed that never started anywhere is in none of these (it is lost).
 */
export function failoverFigures(records: readonly FailoverRecord[], victim: string, killedAt: number): FailoverFigures {
  const open = new Map<string, number>();
  const firstLateness = new Map<string, number>();
  const restart = new Map<string, number>();
  for (const r of records) {
    const key = occurrenceOf(r);
    if (r.nodeId === victim) open.set(key, (open.get(key) ?? 0) + (r.kind === 'start' ? 1 : -1));
    if (r.kind !== 'start') continue;
    const lateness = r.at - r.fireAt;
    firstLateness.set(key, Math.min(lateness, firstLateness.get(key) ?? lateness));
    if (r.nodeId !== victim && r.at >= killedAt)
      restart.set(key, Math.min(r.at - killedAt, restart.get(key) ?? Number.POSITIVE_INFINITY));
  }
  const held = new Set([...open].flatMap(([key, n]) => (n > 0 ? [key] : [])));
  for (const r of records)
    if (r.kind === 'start' && r.nodeId !== victim && r.at >= killedAt && r.attempt > 1) held.add(occurrenceOf(r));
  const restarted = [...restart].flatMap(([key, ms]) => (held.has(key) ? [ms] : []));
  const unheld = [...firstLateness].flatMap(([key, ms]) => (held.has(key) ? [] : [ms]));
  return {
    held: held.size,
    latestUnheldLatenessMs: unheld.length > 0 ? Math.max(...unheld) : Number.NaN,
    restartMs: distribution(restarted),
    notRestarted: held.size - restarted.length,
  };
}
