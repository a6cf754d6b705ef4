import type { PreviewEntry, Schedule, ScheduleSubmission, Task, Trigger, TriggerPreview } from '@rookery/core';
import { writeLine, type CliIo } from '../context.js';
import { formatDuration } from '../options/duration.js';
import { iso, scheduleJson, writeJson } from './json.js';
import { showInstant, writeFields, writeTable, type Column } from './table.js';

/** A trigger in a few words: `cron 0 3 * * * (UTC)`, `every 5m`, `once at …`, `1s after run`. */
export function describeTrigger(t: Trigger): string {
  switch (t.kind) {
    case 'cron':
      return `cron ${t.expr} (${t.tz ?? 'UTC'})`;
    case 'interval':
      return `every ${formatDuration(t.everyMs)}`;
    case 'once':
      return `once at ${new Date(t.at).toISOString()}`;
    case 'after-run':
      return `${formatDuration(t.delayMs)} after run`;
  }
}

/** The columns of `rookery job ls`. */
export const SCHEDULE_COLUMNS: Column<Schedule>[] = [
  { header: 'name', cell: (s) => s.name },
  { header: 'state', cell: (s) => s.state },
  { header: 'executor', cell: (s) => s.executor },
  { header: 'trigger', cell: (s) => describeTrigger(s.trigger) },
  { header: 'next fire', cell: (s) => showInstant(s.nextFireAt) },
  { header: 'id', cell: (s) => s.id },
];

/** Where the validation of a submitted schedule stands, in a few words. */
function validationText(s: Schedule): string {
  const v = s.validation;
  if (v === null) return `pending: waiting for a node that has executor '${s.executor}'`;
  const when = `by ${v.by} at ${showInstant(v.at) ?? '-'}`;
  return v.reason === null ? `accepted ${when}` : `rejected ${when}: ${v.reason}`;
}

/** Writes one schedule: its fields as a table, or its JSON with `--json`; `extra` adds fields. */
export function writeSchedule(
  io: CliIo,
  s: Schedule,
  json: boolean | undefined,
  extra: [string, unknown][] = [],
): void {
  if (json) return writeJson(io.stdout, scheduleJson(s));
  const p = s.policies;
  writeFields(io.stdout, [
    ['name', s.name],
    ['id', s.id],
    ['state', s.state],
    ['executor', s.executor],
    ['trigger', describeTrigger(s.trigger)],
    ['payload', s.payload],
    ...(s.clientId === null
      ? []
      : ([
          ['client', s.clientId],
          ['validation', validationText(s)],
        ] as [string, string][])),
    ['next fire', showInstant(s.nextFireAt)],
    ['start at', showInstant(s.startAt)],
    ['end at', showInstant(s.endAt)],
    ['duplicate', p.duplicate],
    ['misfire', p.misfire],
    [
      'retry',
      p.retry.kind === 'none' || p.retry.maxAttempts <= 1
        ? 'none'
        : `${p.retry.kind} ${formatDuration(p.retry.delayMs)}, ${p.retry.maxAttempts} attempts`,
    ],
    ['timeout', p.timeoutMs === null ? null : formatDuration(p.timeoutMs)],
    ['priority', p.priority],
    ['created', showInstant(s.createdAt)],
    ['updated', showInstant(s.updatedAt)],
    ...extra,
  ]);
}

/** The columns of a trigger preview. */
const PREVIEW_COLUMNS: Column<PreviewEntry>[] = [
  { header: 'utc', cell: (e) => e.utc },
  { header: 'local', cell: (e) => e.local },
  { header: 'offset', cell: (e) => e.offset },
  { header: 'note', cell: (e) => e.note },
];

/**
 * Why a task of the ledger is in its state: its `reason` (`completed on node X`, `skipped:
 * schedule busy with task …`, `misfire policy …`, `repaired: …`), with the error
 * of a failed task; for a task without a reason, a few words from its state. An operator's
 * extra run (origin `manual`) is marked `manual run, …`.
 */
export function taskWhy(t: Task): string {
  const why = ownWhy(t);
  // An operator's extra run says so for the life of its row, whatever became of it.
  return t.origin === 'manual' && !why.startsWith('manual') ? `manual run, ${why}` : why;
}

/** Why a task is in its state, from its reason or else its state. */
function ownWhy(t: Task): string {
  if (t.reason !== null) return t.state === 'failed' && t.error !== null ? `${t.reason}: ${t.error}` : t.reason;
  switch (t.state) {
    case 'pending':
      return `${t.attempt === 0 ? 'waiting' : 'due again'}: due at ${iso(t.dueAt) ?? '-'}`;
    case 'running':
      return `running on node ${t.nodeId ?? '?'} (attempt ${t.attempt})`;
    case 'completed':
      return `ran on node ${t.nodeId ?? '?'}`;
    case 'failed':
      return `failed${t.error === null ? '' : `: ${t.error}`}`;
    default:
      return t.state;
  }
}

/** The columns of `rookery job history`. */
export const HISTORY_COLUMNS: Column<Task>[] = [
  { header: 'fire at', cell: (t) => showInstant(t.fireAt) },
  { header: 'state', cell: (t) => t.state },
  { header: 'attempts', cell: (t) => t.attempt },
  { header: 'node', cell: (t) => t.nodeId },
  { header: 'why', cell: taskWhy },
];

/** One row of `rookery job history --json`: instants as ISO strings. */
export function historyJson(t: Task): Record<string, unknown> {
  return {
    taskId: t.id,
    origin: t.origin,
    fireAt: iso(t.fireAt),
    spanEndAt: iso(t.spanEndAt),
    spanCount: t.spanCount,
    state: t.state,
    attempts: t.attempt,
    nodeId: t.nodeId,
    why: taskWhy(t),
    startedAt: iso(t.startedAt),
    endedAt: iso(t.endedAt),
  };
}

/** Writes a trigger's preview: its fire times as a table, or JSON with `--json`. */
export function writePreview(io: CliIo, p: TriggerPreview, json: boolean | undefined): void {
  if (json) return writeJson(io.stdout, { fireTimes: p.fireTimes, warnings: p.warnings });
  writeTable(io.stdout, PREVIEW_COLUMNS, p.fireTimes);
  for (const w of p.warnings) writeLine(io.stderr, `warning: ${w}`);
}

/** The columns of `rookery job submissions`. */
export const SUBMISSION_COLUMNS: Column<ScheduleSubmission>[] = [
  { header: 'name', cell: (v) => v.name },
  { header: 'validation', cell: (v) => v.state },
  { header: 'state', cell: (v) => v.scheduleState },
  { header: 'executor', cell: (v) => v.executor },
  { header: 'submitted', cell: (v) => showInstant(v.submittedAt) },
  {
    header: 'validated',
    cell: (v) => (v.validatedBy === null ? null : `${showInstant(v.validatedAt) ?? '-'} by ${v.validatedBy}`),
  },
  {
    header: 'reason',
    cell: (v) => v.reason ?? (v.state === 'pending' ? `waiting for a node that has executor '${v.executor}'` : null),
  },
];
