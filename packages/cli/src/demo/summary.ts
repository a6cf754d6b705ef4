import { readFileSync } from 'node:fs';
import {
  checkHistory,
  historyIsClean,
  type Datastore,
  type RunRecord,
  type Schedule,
  type Task,
  type TaskEvent,
} from '@rookery/core';
import { writeLine, type CliIo } from '../context.js';

/** What {@link summarize} needs. */
export interface SummaryInput {
  /** Where to write. */
  io: CliIo;
  /** The demo's datastore. */
  datastore: Datastore;
  /** The schedules the demo created. */
  schedules: Schedule[];
  /** JSON-lines file of run records written by the demo functions. */
  historyPath: string;
  /** Fire times from here… */
  from: number;
  /** …to here must have run. */
  to: number;
  /** How long the cluster ran. */
  durationMs: number;
  /** The node that was killed, when, and the tasks it held. */
  victim: { id: string; at: number; tasks: string[] } | undefined;
  /** Repairs the nodes reported. */
  repairs: number;
  /** Every node id, in order. */
  nodeIds: string[];
}

/** Reads a JSON-lines history file; a torn last line (a killed writer) is skipped. */
export function readRunRecords(path: string): RunRecord[] {
  const records: RunRecord[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      records.push(JSON.parse(line) as RunRecord);
    } catch {
      // a line cut short by SIGKILL: its attempt shows as started and never ended
    }
  }
  return records;
}

/**
 * Checks the demo's history with core's `checkHistory` and prints the summary: tasks run,
 * per node, retries, repairs, lost, duplicated. Returns true when no violation was found.
 */
export async function summarize(s: SummaryInput): Promise<boolean> {
  const out = (line: string): void => writeLine(s.io.stdout, line);
  const records = readRunRecords(s.historyPath);
  const schedules: Schedule[] = [];
  const tasks: Task[] = [];
  for (const created of s.schedules) {
    schedules.push((await s.datastore.scheduleGet(created.id)) ?? created);
    tasks.push(...(await s.datastore.taskList({ scheduleId: created.id, limit: 100_000 })));
  }
  const events: TaskEvent[] = [];
  for (const t of tasks) events.push(...(await s.datastore.taskEvents(t.id)));
  const report = checkHistory({
    records,
    tasks,
    events,
    schedules,
    faults: s.victim ? [{ nodeId: s.victim.id, at: s.victim.at, kind: 'kill' }] : [],
    from: s.from,
    to: s.to,
    lateAfterMs: 2_000,
  });

  const starts = records.filter((r) => r.kind === 'start');
  const tasksRun = new Set(starts.map((r) => r.taskId)).size;
  const perNode = s.nodeIds
    .map((id) => `${id} ${report.summary.perNode[id] ?? 0}${s.victim?.id === id ? ' (killed)' : ''}`)
    .join(', ');
  const recovered = report.recoveries.map((r) =>
    r.ms === null
      ? `task ${r.taskId.slice(-8)} never restarted`
      : `restarted ${(r.ms / 1000).toFixed(1)} s after the kill`,
  );
  const duplicated = report.duplicateCompletions.length;
  const clean = historyIsClean(report);
  const rows: [string, string][] = [
    [
      'tasks run',
      `${tasksRun} (${starts.length} attempts, ${report.summary.completed} completed, ${report.summary.skipped} skipped by duplicate policy)`,
    ],
    ['attempts', perNode],
    ['retries', String(report.summary.retries)],
    [
      'repairs',
      `${Math.max(s.repairs, report.summary.repairs)}${recovered.length ? ` (${recovered.join('; ')})` : ''}`,
    ],
    ['lost', String(report.lost.length)],
    ['duplicated', String(duplicated)],
    ['overlaps', String(report.overlaps.length)],
    ['run at once', String(report.executionOverlaps.length)],
    ['stale commits', String(report.staleCommits.length)],
    ['left leased', String(report.leftLeased.length)],
  ];
  out('');
  out(
    `summary: ${(s.durationMs / 1000).toFixed(1)} s, ${s.nodeIds.length} nodes, ${report.summary.expected} fire times due`,
  );
  for (const [k, v] of rows) out(`  ${k.padEnd(14)}${v}`);
  const findings = [
    ...report.lost,
    ...report.duplicateCompletions,
    ...report.overlaps,
    ...report.executionOverlaps,
    ...report.staleCommits,
    ...report.leftLeased,
  ];
  const nameOf = new Map(schedules.map((x) => [x.id, x.name]));
  for (const f of findings.slice(0, 20))
    out(
      `  ! ${(f.scheduleId === null ? undefined : nameOf.get(f.scheduleId)) ?? f.scheduleId ?? '(enqueued)'} fire ${new Date(f.fireAt).toISOString()}: ${f.detail}`,
    );
  out(
    clean ? 'result: OK, every fire time that fell due ran, none twice' : 'result: VIOLATION, see the findings above',
  );
  return clean;
}
