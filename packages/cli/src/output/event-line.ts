import type { LogFields, Logger } from '@rookery/core';
import type { TextSink } from '../context.js';
import { terminalSafe } from './terminal-text.js';

/**
 * One record of `rookery node --log json` (a pino JSON line), as far as Rookery fills it in:
 * pino's own fields (`level`, `time`, `pid`, `hostname`, `msg`) besides. Instants are ISO strings.
 */
export interface EventLine {
  /** Event name (`taskStarted`, `taskCompleted`, `taskRepaired`, `scheduleRejected`, `nodeJoined`, `generalError`, ...). */
  event: string;
  /** The node that logged it. */
  nodeId: string;
  /** When it was logged (pino's `time`, ISO). */
  time?: string;
  /** The record's message. */
  msg?: string;
  /** Task concerned. */
  taskId?: string | null;
  /** Its schedule. */
  scheduleId?: string | null;
  /** Its executor. */
  executor?: string;
  /** Its fire time. */
  fireAt?: string | null;
  /** Attempt number. */
  attempt?: number | null;
  /** Fence of the attempt. */
  fence?: number | null;
  /** Task state after the event. */
  state?: string | null;
  /** Error of a failed or retried attempt, or of a `generalError`. */
  error?: string;
  /** `generalError`: the duty or operation that failed. */
  source?: string;
  /** When a retried task is due again. */
  dueAt?: string | null;
  /** Why the task is in its state. */
  reason?: string | null;
  /** A line of a task log. */
  line?: string;
  /** `poolResized`: worker slots now. */
  workers?: number;
  /** `poolResized`: slots busy. */
  running?: number;
  /** `historyPruned`: finished tasks deleted. */
  tasks?: number;
  /** `historyPruned`: node records deleted. */
  nodes?: number;
  /** `historyPruned`: done schedules deleted. */
  schedules?: number;
  /** `clockOffset`: node clock minus database clock, ms. */
  offsetMs?: number;
}

/** A value of a record as text, or null when absent. */
function field(record: LogFields, name: string): string | null {
  const v = record[name];
  return v === undefined || v === null || v === '' ? null : String(v);
}

/**
 * A readable line of a log record (`rookery node --log text`): time, node, event, then the
 * task's fields; a task-log line after `|`; an error after its source. Control characters are
 * made visible ({@link terminalSafe}).
 */
export function textLine(record: LogFields): string {
  const event = field(record, 'event') ?? '';
  const parts = [field(record, 'time') ?? new Date().toISOString(), field(record, 'nodeId') ?? '-'];
  if (event === 'generalError') {
    const task = field(record, 'taskId');
    return terminalSafe(
      `${parts.join(' ')} generalError [${field(record, 'source') ?? '?'}]${task ? ` task=${task}` : ''}: ${(field(record, 'error') ?? '').replace(/\s*\n\s*/g, ' ')}`,
    );
  }
  if (event === 'clockOffset') return terminalSafe(`${parts.join(' ')} ${field(record, 'msg') ?? ''}`);
  parts.push(event.padEnd(13));
  const named: [string, string][] = [
    ['taskId', 'task'],
    ['scheduleId', 'schedule'],
    ['fireAt', 'fire'],
    ['attempt', 'attempt'],
    ['fence', 'fence'],
    ['state', 'state'],
    ['dueAt', 'due'],
  ];
  for (const [name, label] of named) {
    const v = field(record, name);
    if (v !== null) parts.push(`${label}=${v}`);
  }
  const error = field(record, 'error');
  if (error !== null) parts.push(`error=${JSON.stringify(error)}`);
  // A task's reason is shown by `task show`; a rejected schedule's is the point of the line.
  const reason = field(record, 'reason');
  if (event === 'scheduleRejected' && reason !== null) parts.push(`reason=${JSON.stringify(reason)}`);
  if (record.workers !== undefined)
    parts.push(`workers=${String(record.workers)} running=${String(record.running ?? 0)}`);
  if (record.line !== undefined) parts.push(`| ${String(record.line)}`);
  return terminalSafe(parts.join(' ').trimEnd());
}

/**
 * A logger writing {@link textLine}s: errors and clock warnings to `err`, the rest to `out`;
 * debug records are left out. A formatter of its own rather than pino-pretty: it keeps the
 * node's line format and its terminal safety, with no dependency.
 *
 * @param out - where event lines go
 * @param err - where errors and clock warnings go
 */
export function textLogger(out: TextSink, err: TextSink, bindings: LogFields = {}): Logger {
  const write =
    (level: 'info' | 'warn' | 'error') =>
    (fields: LogFields, msg?: string): void => {
      const record: LogFields = {
        ...bindings,
        ...fields,
        time: new Date().toISOString(),
        ...(msg === undefined ? {} : { msg }),
      };
      const sink = level === 'error' || record.event === 'clockOffset' ? err : out;
      sink.write(`${textLine(record)}\n`);
    };
  return {
    debug: () => undefined,
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (more) => textLogger(out, err, { ...bindings, ...more }),
  };
}
