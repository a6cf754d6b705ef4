import type { HistoryInput, HistoryReport } from './check-history.js';
import { attemptKey, groupBy, leaseEnds, zombiePauses } from './history-ledger.js';
import type { RunRecord } from './run-record.js';

/** A stretch of time an execution was doing work. */
interface Stretch {
  from: number;
  to: number;
  /** After its node woke from a pause that cost it the lease: work the fence refuses. */
  zombie: boolean;
}

/** One attempt's execution, from the records its own code wrote. */
interface Execution {
  start: RunRecord;
  /** When its work stopped; Infinity when nothing says it did. */
  end: number;
  /** When it was doing work (a frozen stretch of a paused node is left out). */
  stretches: Stretch[];
}

/**
 * When an execution's work stopped: at its last record if it recorded its end. Without an end,
 * an execution that promised signs of life (`everyMs`: a child process writing its own
 * records) stopped within that period of its last record, whenever its node died: a child
 * SIGKILLed with or without its node writes nothing more, and one that outlived its node goes
 * on writing. Work without signs of life lives inside its node process and stopped at the
 * node's kill; without either, it never stopped as far as the history says.
 */
function executionEnd(records: RunRecord[], start: RunRecord, input: HistoryInput): number {
  const last = Math.max(...records.map((r) => r.at));
  if (records.some((r) => r.kind === 'end')) return last;
  const every = records.flatMap((r) => (r.everyMs === undefined ? [] : [r.everyMs]));
  if (every.length > 0) return last + Math.max(...every);
  const kill = (input.faults ?? []).find((f) => f.kind === 'kill' && f.nodeId === start.nodeId && f.at >= start.at);
  return kill ? kill.at : Infinity;
}

function executionsOf(input: HistoryInput): Execution[] {
  const taken = leaseEnds(input.records, input.events);
  const out: Execution[] = [];
  for (const [key, records] of groupBy(input.records, attemptKey)) {
    const start = records
      .filter((r) => r.kind === 'start')
      .reduce<RunRecord | undefined>((a, r) => (a === undefined || r.at < a.at ? r : a), undefined);
    // An end with no start is an external execution's end recorded by the node that polled it.
    if (!start) continue;
    const end = executionEnd(records, start, input);
    const recordedEnd = Math.min(Infinity, ...records.filter((r) => r.kind === 'end').map((r) => r.at));
    const [pause] = zombiePauses(
      start,
      input.faults ?? [],
      input.leaseMs,
      records.map((r) => r.at),
      recordedEnd,
      taken.get(key),
    ).sort((a, b) => a.at - b.at);
    const stretches: Stretch[] = pause
      ? [
          { from: start.at, to: pause.at, zombie: false },
          ...(pause.until !== undefined && pause.until < end ? [{ from: pause.until, to: end, zombie: true }] : []),
        ]
      : [{ from: start.at, to: end, zombie: false }];
    out.push({ start, end, stretches });
  }
  return out;
}

function describe(e: Execution): string {
  return `fence ${e.start.fence} on node ${e.start.nodeId}`;
}

function ms(n: number): string {
  return n === Infinity ? 'open-ended' : `${n} ms`;
}

/**
 * No execution of a task overlaps another execution of it (RELIABILITY.md S3, S4): each
 * execution's stretch of work, as its own code recorded it (see {@link executionEnd}), must not
 * intersect another attempt's; executions that only touch (one ends at the instant the other
 * starts) do not overlap. A paused node's execution is frozen from the pause; if the pause cost
 * it the lease, what it did after waking, before it noticed, is a zombie's work: an overlap with
 * it is reported in `zombieOverlaps` (allowed), any other in `executionOverlaps`.
 */
export function checkExecutionOverlaps(input: HistoryInput, report: HistoryReport): void {
  for (const list of groupBy(executionsOf(input), (e) => e.start.taskId).values()) {
    const sorted = list.sort((a, b) => a.start.at - b.start.at);
    for (let i = 0; i < sorted.length; i += 1) {
      for (let j = i + 1; j < sorted.length; j += 1) {
        const a = sorted[i];
        const b = sorted[j];
        if (!a || !b || b.start.at >= a.end) continue;
        let live = 0;
        let zombie: { ms: number; of: Execution; other: Execution } | null = null;
        for (const x of a.stretches) {
          for (const y of b.stretches) {
            const together = Math.min(x.to, y.to) - Math.max(x.from, y.from);
            if (together <= 0) continue;
            if (!x.zombie && !y.zombie) live = Math.max(live, together);
            else if (together > (zombie?.ms ?? 0))
              zombie = x.zombie ? { ms: together, of: a, other: b } : { ms: together, of: b, other: a };
          }
        }
        const finding = { scheduleId: b.start.scheduleId, fireAt: b.start.fireAt, taskId: b.start.taskId };
        if (live > 0) {
          report.executionOverlaps.push({
            ...finding,
            detail: `the execution under ${describe(b)} ran ${ms(live)} alongside the one under ${describe(a)}`,
          });
        } else if (zombie) {
          report.zombieOverlaps.push({
            ...finding,
            detail: `the execution under ${describe(zombie.other)} ran ${ms(zombie.ms)} alongside the one under ${describe(zombie.of)}, a zombie's after its node woke`,
          });
        }
      }
    }
  }
}
