import type { TaskEvent } from '../model/task.js';
import type { FaultRecord, RunRecord } from './run-record.js';

/** Groups `items` by `key`, keeping their order. */
export function groupBy<T, K>(items: T[], key: (item: T) => K): Map<K, T[]> {
  const map = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

/** The key of one attempt: `taskId/fence`. */
export function attemptKey(r: { taskId: string; fence: number }): string {
  return `${r.taskId}/${r.fence}`;
}

/**
 * Each task's transitions out of `running`, to ask when an attempt's lease ended and who ended
 * it. An attempt's lease ended at the first transition out of `running` of its task with a
 * fence at least its own (stores record the attempt's fence; a later attempt always has a
 * higher fence than any earlier transition, so "at least" also tolerates a store that records
 * the bumped one).
 */
export function outOfRunning(events: TaskEvent[]) {
  const byTask = groupBy(
    events.filter((e) => e.from === 'running'),
    (e) => e.taskId,
  );
  const ofAttempt = (taskId: string, fence: number): TaskEvent[] =>
    (byTask.get(taskId) ?? []).filter((e) => e.fence >= fence);
  return {
    /** When attempt `fence` of a task stopped holding its lease; Infinity if it never did. */
    leaseEnd: (taskId: string, fence: number): number =>
      Math.min(Infinity, ...ofAttempt(taskId, fence).map((e) => e.at)),
    /** Whether `nodeId` itself ended attempt `fence` of a task (committed its outcome), at any time. */
    endedBy: (nodeId: string, taskId: string, fence: number): boolean =>
      ofAttempt(taskId, fence).some((e) => e.nodeId === nodeId),
  };
}

/** When the cluster took each recorded attempt's lease away, by {@link attemptKey} (see {@link outOfRunning}). */
export function leaseEnds(records: RunRecord[], events: TaskEvent[]): Map<string, number> {
  const { leaseEnd } = outOfRunning(events);
  const ends = new Map<string, number>();
  for (const r of records) {
    if (r.kind !== 'start') continue;
    const at = leaseEnd(r.taskId, r.fence);
    if (at < Infinity) ends.set(attemptKey(r), at);
  }
  return ends;
}

/**
 * The pauses that made an attempt a zombie. A paused node's attempt is frozen from the pause.
 * If its lease expired before the node woke (the pause outlasted the lease, so no renewal was
 * possible, or the cluster took the task over meanwhile), all it does after waking is a
 * zombie's work that the fence refuses (allowed, per the design): as a run holding a lease it
 * ended when it was paused. An attempt that had recorded its end before the pause, or that
 * recorded anything while its node was stopped (it ran in a process of its own, which the pause
 * did not freeze), is not made a zombie by it.
 *
 * @param start - the attempt's start record
 * @param recordedAt - instants of every record of the attempt
 * @param recordedEnd - its first end record's instant, Infinity without one
 * @param takenAt - when the cluster took its lease away, if it did
 */
export function zombiePauses(
  start: RunRecord,
  faults: readonly FaultRecord[],
  leaseMs: number | undefined,
  recordedAt: readonly number[],
  recordedEnd: number,
  takenAt: number | undefined,
): FaultRecord[] {
  return faults.filter((pause) => {
    if (pause.kind !== 'pause' || pause.nodeId !== start.nodeId || start.at > pause.at || recordedEnd <= pause.at)
      return false;
    const until = pause.until ?? Infinity;
    if (recordedAt.some((at) => at > pause.at && at < until)) return false;
    const outlasted = leaseMs !== undefined && until - pause.at > leaseMs;
    return outlasted || (takenAt !== undefined && takenAt <= until);
  });
}
