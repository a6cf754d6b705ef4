import type { Schedule } from '../model/schedule.js';
import { isTerminalTaskState, type Task, type TaskEvent } from '../model/task.js';
import { nextFireTime } from '../trigger/next-fire.js';
import { checkExecutionOverlaps } from './execution-overlaps.js';
import { attemptKey, groupBy, leaseEnds, outOfRunning, zombiePauses } from './history-ledger.js';
import type { FaultRecord, RunRecord } from './run-record.js';

/** What {@link checkHistory} reads. */
export interface HistoryInput {
  /** Start and end records of every attempt. */
  records: RunRecord[];
  /** Every task row at the end of the run. */
  tasks: Task[];
  /**
   * State transitions of those tasks, each task's in the order they committed (the order
   * `Datastore.taskEvents` returns). An event's `at` is its transaction's clock read, which
   * can run ahead of a transaction that committed after it, so time alone cannot order them.
   */
  events: TaskEvent[];
  /** The schedules of the run. */
  schedules: Schedule[];
  /** Faults injected. */
  faults?: FaultRecord[];
  /** Fire times in [from, to] are expected to have run. */
  from: number;
  /** See `from`; pass the end of the run minus the time a due task may take to start. */
  to: number;
  /**
   * A first start later than dueAt + this is late, unless the task was due within this long of
   * a fault's window ([at, until]) or one of its starts was on a faulted node.
   */
  lateAfterMs: number;
  /**
   * The nodes' lease, ms. A node paused for longer than this cannot have renewed, so its lease
   * had expired by the time it woke: what it still did after waking was a zombie's work.
   * Without it, a paused node's attempt counts as a zombie only once the cluster took it over.
   */
  leaseMs?: number;
}

/** One violation or observation. */
export interface Finding {
  /** Schedule concerned; null for a job (a task enqueued with no schedule). */
  scheduleId: string | null;
  /** Fire time concerned. */
  fireAt: number;
  /** Task concerned, when one exists. */
  taskId: string | null;
  /** What was seen. */
  detail: string;
}

/** Time from a fault to the restart of a task the faulted node held. */
export interface Recovery {
  /** The task. */
  taskId: string;
  /** The faulted node. */
  nodeId: string;
  /** Ms from the fault to the next start on another node; null if it never restarted. */
  ms: number | null;
  /**
   * When it did not restart: the terminal state the cluster recorded instead (a repaired task
   * of a `skip` schedule whose next run had started is `skipped`); null if it was left behind.
   */
  settledAs: string | null;
}

/** The checker's verdict. */
export interface HistoryReport {
  /** Expected fire times with no task row, or a runnable row that never started. */
  lost: Finding[];
  /** Tasks committed as completed more than once. */
  duplicateCompletions: Finding[];
  /** Runs of one `duplicate skip`, `replace` or `queue` schedule that overlapped while both held current leases. */
  overlaps: Finding[];
  /**
   * Two executions of one task (different attempts) that ran at the same time, each as its own
   * code recorded it: from its start to its end, or, without an end, to its node's kill or its
   * last sign of life (see `RunRecord.everyMs`). Touching ones (one ends as the other starts) do
   * not overlap.
   */
  executionOverlaps: Finding[];
  /**
   * Allowed, reported (RELIABILITY.md S4): a run of a `skip` schedule, or another execution of
   * the same task, that overlapped the work a paused node did after waking with an expired
   * lease, before it noticed and aborted.
   */
  zombieOverlaps: Finding[];
  /** Outcomes committed under a fence older than the task's newest claim. */
  staleCommits: Finding[];
  /** Tasks still `running` after every node stopped. */
  leftLeased: Finding[];
  /** First starts later than `lateAfterMs` after due, not explained by a fault. */
  late: Finding[];
  /** Restart times of the tasks held by faulted nodes. */
  recoveries: Recovery[];
  /** Counts. */
  summary: {
    expected: number;
    started: number;
    completed: number;
    retries: number;
    repairs: number;
    skipped: number;
    perNode: Record<string, number>;
  };
}

/** True when the report holds no violation. */
export function historyIsClean(report: HistoryReport): boolean {
  return (
    report.lost.length +
      report.duplicateCompletions.length +
      report.overlaps.length +
      report.executionOverlaps.length +
      report.staleCommits.length +
      report.leftLeased.length ===
    0
  );
}

function expectedFireTimes(s: Schedule, from: number, to: number): number[] {
  const out: number[] = [];
  let f = nextFireTime(s.trigger, Math.max(from, s.createdAt) - 1, { dst: s.policies.dst, createdAt: s.createdAt });
  while (f !== null && f <= to && out.length < 100_000) {
    if ((s.startAt === null || f >= s.startAt) && (s.endAt === null || f <= s.endAt)) out.push(f);
    f = nextFireTime(s.trigger, f, { dst: s.policies.dst, createdAt: s.createdAt });
  }
  return out;
}

/**
 * Checks a recorded run against the promises: nothing lost, no task completed twice, no
 * overlapping runs of a `skip` schedule, no two executions of one task at the same time, no
 * stale commit, nothing left leased, nothing late.
 * Runs are labelled with their fire time, so no matching is needed (unlike Jepsen's Chronos
 * checker). `after-run` schedules are checked for duplicates and overlaps only.
 */
export function checkHistory(input: HistoryInput): HistoryReport {
  const startsByTask = groupBy(
    input.records.filter((r) => r.kind === 'start'),
    (r) => r.taskId,
  );
  const tasksBySchedule = groupBy(input.tasks, (t) => t.scheduleId);
  const eventsByTask = groupBy(input.events, (e) => e.taskId);
  const report: HistoryReport = {
    lost: [],
    duplicateCompletions: [],
    overlaps: [],
    executionOverlaps: [],
    zombieOverlaps: [],
    staleCommits: [],
    leftLeased: [],
    late: [],
    recoveries: [],
    summary: { expected: 0, started: 0, completed: 0, retries: 0, repairs: 0, skipped: 0, perNode: {} },
  };

  for (const s of input.schedules) {
    if (s.trigger.kind === 'after-run') continue;
    const rows = tasksBySchedule.get(s.id) ?? [];
    const byFire = new Map(rows.map((t) => [t.fireAt, t]));
    for (const f of expectedFireTimes(s, input.from, input.to)) {
      report.summary.expected += 1;
      const t = byFire.get(f) ?? rows.find((r) => r.spanEndAt !== null && r.fireAt <= f && f <= r.spanEndAt);
      if (!t) {
        report.lost.push({ scheduleId: s.id, fireAt: f, taskId: null, detail: 'no task row for this fire time' });
        continue;
      }
      const ran = startsByTask.has(t.id);
      const settledWithoutRun = isTerminalTaskState(t.state) && t.state !== 'completed' && t.state !== 'failed';
      if (!ran && !settledWithoutRun) {
        report.lost.push({ scheduleId: s.id, fireAt: f, taskId: t.id, detail: `never started (state ${t.state})` });
      }
    }
  }

  for (const t of input.tasks) {
    // Commit order: a transaction that read the clock first may still commit second.
    const events = eventsByTask.get(t.id) ?? [];
    const completions = events.filter((e) => e.to === 'completed');
    if (completions.length > 1) {
      report.duplicateCompletions.push({
        scheduleId: t.scheduleId,
        fireAt: t.fireAt,
        taskId: t.id,
        detail: `${completions.length} completed commits`,
      });
    }
    let newestClaim = 0;
    for (const e of events) {
      if (e.to === 'running') newestClaim = Math.max(newestClaim, e.fence);
      else if (e.from === 'running' && e.fence < newestClaim) {
        report.staleCommits.push({
          scheduleId: t.scheduleId,
          fireAt: t.fireAt,
          taskId: t.id,
          detail: `${e.to} committed with fence ${e.fence} after fence ${newestClaim} claimed`,
        });
      }
      if (e.from === 'running' && e.to === 'pending' && e.reason?.startsWith('repaired')) report.summary.repairs += 1;
    }
    if (t.state === 'running') {
      report.leftLeased.push({
        scheduleId: t.scheduleId,
        fireAt: t.fireAt,
        taskId: t.id,
        detail: `still running under ${t.leaseOwner ?? '?'}`,
      });
    }
    if (t.state === 'completed') report.summary.completed += 1;
    if (t.state === 'skipped') report.summary.skipped += 1;
    report.summary.retries += t.failures > 0 ? Math.min(t.failures, Math.max(0, t.attempt - 1)) : 0;
    const starts = (startsByTask.get(t.id) ?? []).slice().sort((a, b) => a.at - b.at);
    const first = starts[0];
    // A skewed clock excuses nothing: the database clock judges due-ness.
    const faulted = (input.faults ?? []).some(
      (fault) =>
        fault.kind !== 'skew' &&
        (starts.some((r) => r.nodeId === fault.nodeId) ||
          (t.dueAt >= fault.at - input.lateAfterMs && t.dueAt <= (fault.until ?? fault.at) + input.lateAfterMs)),
    );
    if (first && first.at - t.dueAt > input.lateAfterMs && !faulted && t.attempt <= 1) {
      report.late.push({
        scheduleId: t.scheduleId,
        fireAt: t.fireAt,
        taskId: t.id,
        detail: `started ${first.at - t.dueAt} ms after due`,
      });
    }
  }

  for (const r of input.records) {
    if (r.kind !== 'start') continue;
    report.summary.started += 1;
    report.summary.perNode[r.nodeId] = (report.summary.perNode[r.nodeId] ?? 0) + 1;
  }

  checkOverlaps(input, report);
  checkExecutionOverlaps(input, report);
  measureRecoveries(input, report);
  return report;
}

function checkOverlaps(input: HistoryInput, report: HistoryReport): void {
  // `replace` and `queue` hold the run slot as `skip` does (a replaced run holds it until its attempt has ended).
  const exclusive = new Set(['skip', 'replace', 'queue']);
  const skipSchedules = new Set(input.schedules.filter((s) => exclusive.has(s.policies.duplicate)).map((s) => s.id));
  // An attempt ended at the first of: its end record; the kill of its node; the moment the
  // cluster took its lease away. After that it is a zombie: a paused node's run that the fence
  // keeps from committing. Every attempt counts, not only each task's newest: a first attempt
  // that overlapped another task's run while it held the lease is a violation even if the task
  // was retried later.
  const taken = leaseEnds(input.records, input.events);
  const ends = new Map(taken);
  const endAt = (key: string, at: number): void => void ends.set(key, Math.min(ends.get(key) ?? Infinity, at));
  const recordedEnds = new Map<string, number>();
  // What paused nodes did after waking with an expired lease: [wake, recorded end].
  const zombies: { r: RunRecord; from: number }[] = [];
  for (const r of input.records) {
    const key = attemptKey(r);
    if (r.kind === 'end') {
      endAt(key, r.at);
      recordedEnds.set(key, Math.min(recordedEnds.get(key) ?? Infinity, r.at));
    }
    const kill =
      r.kind === 'start'
        ? (input.faults ?? []).find((f) => f.kind === 'kill' && f.nodeId === r.nodeId && f.at >= r.at)
        : undefined;
    if (kill) endAt(key, kill.at);
  }
  const recordedAt = new Map(
    [...groupBy(input.records, attemptKey)].map(([key, list]) => [key, list.map((r) => r.at)]),
  );
  for (const r of input.records) {
    if (r.kind !== 'start') continue;
    const key = attemptKey(r);
    for (const pause of zombiePauses(
      r,
      input.faults ?? [],
      input.leaseMs,
      recordedAt.get(key) ?? [],
      recordedEnds.get(key) ?? Infinity,
      taken.get(key),
    )) {
      endAt(key, pause.at);
      if (pause.until !== undefined) zombies.push({ r, from: pause.until });
    }
  }
  const runs = input.records
    .filter((r) => r.kind === 'start' && r.scheduleId !== null && skipSchedules.has(r.scheduleId))
    .map((r) => ({ r, end: ends.get(attemptKey(r)) ?? Infinity }));
  for (const [scheduleId, list] of groupBy(runs, (x) => x.r.scheduleId)) {
    const sorted = list.sort((a, b) => a.r.at - b.r.at);
    for (let i = 1; i < sorted.length; i += 1) {
      const prev = sorted[i - 1];
      const cur = sorted[i];
      if (prev && cur && cur.r.at < prev.end && cur.r.taskId !== prev.r.taskId) {
        report.overlaps.push({
          scheduleId,
          fireAt: cur.r.fireAt,
          taskId: cur.r.taskId,
          detail: `started while task ${prev.r.taskId} ran`,
        });
      }
    }
  }
  for (const z of zombies) {
    if (z.r.scheduleId === null || !skipSchedules.has(z.r.scheduleId)) continue;
    const zombieEnd = recordedEnds.get(attemptKey(z.r)) ?? Infinity;
    for (const run of runs) {
      if (run.r.scheduleId !== z.r.scheduleId || run.r.taskId === z.r.taskId) continue;
      const overlapMs = Math.min(zombieEnd, run.end) - Math.max(z.from, run.r.at);
      if (overlapMs > 0) {
        report.zombieOverlaps.push({
          scheduleId: z.r.scheduleId,
          fireAt: run.r.fireAt,
          taskId: run.r.taskId,
          detail: `ran ${overlapMs === Infinity ? 'open-ended' : `${overlapMs} ms`} alongside node ${z.r.nodeId}'s zombie run of task ${z.r.taskId} (fence ${z.r.fence}) after it woke`,
        });
      }
    }
  }
}

/**
 * How long after a kill a claim the killed node sent may still commit: the database finishes a
 * statement it has received even when its sender is gone.
 */
const CLAIM_IN_FLIGHT_MS = 1_000;

function measureRecoveries(input: HistoryInput, report: HistoryReport): void {
  const tasks = new Map(input.tasks.map((t) => [t.id, t]));
  const { leaseEnd, endedBy } = outOfRunning(input.events);
  for (const fault of input.faults ?? []) {
    // Only a killed, paused or partitioned node's attempts need another node to take them over.
    if (fault.kind !== 'kill' && fault.kind !== 'pause' && fault.kind !== 'partition') continue;
    // Attempts the faulted node still held: started before the fault, and neither committed
    // nor taken away before it (an attempt lost to an earlier fault of the same node was
    // repaired before this one). A paused node's attempts record their end, if at all, after it
    // wakes, so one that recorded its end before the pause is done. A killed node's attempt may
    // have ended before the kill with its outcome still on the way to the database (a busy
    // node's commits queue): it is held until the node's own commit of it is recorded, and if
    // none ever is, another node must take it over like one still running. So is a task the
    // killed node claimed (the ledger says so) but never started: its claim's answer was on the
    // way back when the node died.
    const endedBefore = new Set(
      input.records.filter((r) => r.kind === 'end' && r.at <= fault.at).map((r) => attemptKey(r)),
    );
    const held = new Map<string, { taskId: string; fence: number }>();
    for (const r of input.records) {
      if (r.kind !== 'start' || r.nodeId !== fault.nodeId || r.at > fault.at || leaseEnd(r.taskId, r.fence) <= fault.at)
        continue;
      const key = attemptKey(r);
      if (!endedBefore.has(key) || (fault.kind === 'kill' && !endedBy(fault.nodeId, r.taskId, r.fence)))
        held.set(key, r);
    }
    if (fault.kind === 'kill') {
      for (const e of input.events) {
        if (e.to !== 'running' || e.nodeId !== fault.nodeId || e.at > fault.at + CLAIM_IN_FLIGHT_MS) continue;
        if (leaseEnd(e.taskId, e.fence) <= fault.at || endedBy(fault.nodeId, e.taskId, e.fence)) continue;
        const key = attemptKey(e);
        if (!held.has(key)) held.set(key, { taskId: e.taskId, fence: e.fence });
      }
    }
    for (const o of held.values()) {
      const next = input.records
        .filter((r) => r.kind === 'start' && r.taskId === o.taskId && r.fence > o.fence)
        .reduce<RunRecord | undefined>((a, r) => (a === undefined || r.at < a.at ? r : a), undefined);
      const task = tasks.get(o.taskId);
      const settledAs = !next && task && isTerminalTaskState(task.state) ? task.state : null;
      report.recoveries.push({
        taskId: o.taskId,
        nodeId: fault.nodeId,
        ms: next ? next.at - fault.at : null,
        settledAs,
      });
    }
  }
}
