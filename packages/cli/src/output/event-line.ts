import type { EventBus, RookeryEventMap, Task } from '@rookery/core';
import type { TextSink } from '../context.js';
import { iso } from './json.js';
import { terminalSafe } from './terminal-text.js';

/** One line of `rookery node --log json`: a node event, flattened. Instants are ISO strings. */
export interface EventLine {
  /** Event name (`taskStarted`, `taskCompleted`, `taskRepaired`, `scheduleRejected`, `nodeJoined`, ...). */
  event: string;
  /** The node that emitted it. */
  nodeId: string;
  /** Task concerned, else null. */
  taskId: string | null;
  /** Its schedule, else null. */
  scheduleId: string | null;
  /** Its fire time, else null. */
  fireAt: string | null;
  /** Attempt number, else null. */
  attempt: number | null;
  /** Fence of the attempt, else null. */
  fence: number | null;
  /** Task state after the event, else null. */
  state: string | null;
  /** When the node emitted it. */
  at: string;
  /** Error of a failed or retried attempt. */
  error?: string;
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
}

/** A node clock further than this from the database clock is reported as a warning. */
export const CLOCK_OFFSET_WARN_MS = 1_000;

/** The task events a node logs, one line each. */
const TASK_EVENTS = ['taskCreated', 'taskStarted', 'taskAdopted', 'taskCompleted', 'taskSkipped', 'taskTimedOut', 'taskCancelled', 'taskAbandoned', 'taskReleased'] as const;

/**
 * Subscribes to a node's events and writes one line per event: a JSON object with `format`
 * `json` (see {@link EventLine}), else a readable line. `generalError` goes to `stderr`; the
 * node keeps running.
 *
 * @param events - the node's bus
 * @param nodeId - the node's id
 * @param format - `json` or `text`
 * @param out - where event lines go
 * @param err - where errors go
 * @param taskLines - whether each task event gets a line (false: node events, repairs, lost leases and errors only)
 */
export function logNodeEvents(events: EventBus, nodeId: string, format: 'json' | 'text', out: TextSink, err: TextSink, taskLines = true): void {
  const base = (event: string): EventLine => ({ event, nodeId, taskId: null, scheduleId: null, fireAt: null, attempt: null, fence: null, state: null, at: new Date().toISOString() });
  const ofTask = (event: string, t: Task): EventLine => ({ ...base(event), taskId: t.id, scheduleId: t.scheduleId, fireAt: iso(t.fireAt), attempt: t.attempt, fence: t.fence, state: t.state, reason: t.reason });
  const write = (line: EventLine): void => {
    out.write(`${format === 'json' ? JSON.stringify(line) : textLine(line)}\n`);
  };
  if (taskLines) {
    for (const name of TASK_EVENTS) {
      events.on(name, ((t: Task) => write(ofTask(name, t))) as (...args: RookeryEventMap[typeof name]) => void);
    }
    events.on('taskFailed', (t, error) => write({ ...ofTask('taskFailed', t), error }));
    events.on('taskRetried', (t, error) => write({ ...ofTask('taskRetried', t), error, dueAt: iso(t.dueAt) }));
    events.on('taskLog', (taskId, line) => write({ ...base('taskLog'), taskId, line }));
  }
  events.on('leaseLost', (taskId, fence) => write({ ...base('leaseLost'), taskId, fence }));
  events.on('repairFinished', (_node, tasks) => tasks.forEach((t) => write(ofTask('taskRepaired', t))));
  let skewed = false;
  events.on('clockOffset', (offsetMs) => {
    // A large offset is a warning, never a fault: the database clock decides leases and due-ness.
    const large = Math.abs(offsetMs) >= CLOCK_OFFSET_WARN_MS;
    if (large !== skewed) {
      err.write(
        large
          ? `${new Date().toISOString()} ${nodeId} warning: this node's clock is ${offsetMs} ms off the database clock (leases and due times still follow the database clock; fire times are planned with the offset corrected)\n`
          : `${new Date().toISOString()} ${nodeId} clock offset back to ${offsetMs} ms\n`,
      );
    }
    skewed = large;
  });
  events.on('scheduleValidated', (sch) => write({ ...base('scheduleValidated'), scheduleId: sch.id, state: sch.state }));
  events.on('scheduleRejected', (sch) => write({ ...base('scheduleRejected'), scheduleId: sch.id, state: sch.state, reason: sch.validation?.reason ?? null }));
  events.on('poolResized', (workers, running) => write({ ...base('poolResized'), workers, running }));
  events.on('historyPruned', (tasks, nodes, schedules) => write({ ...base('historyPruned'), tasks, nodes, schedules }));
  events.on('nodeJoined', () => write(base('nodeJoined')));
  events.on('nodeLeft', () => write(base('nodeLeft')));
  events.on('generalError', (error, ctx) => {
    const message = error.message.replace(/\s*\n\s*/g, ' ');
    if (format === 'json') {
      err.write(`${JSON.stringify({ event: 'generalError', nodeId, source: ctx.source, taskId: ctx.taskId ?? null, error: message, at: new Date().toISOString() })}\n`);
    } else {
      err.write(`${terminalSafe(`${new Date().toISOString()} ${nodeId} generalError [${ctx.source}]${ctx.taskId ? ` task=${ctx.taskId}` : ''}: ${message}`)}\n`);
    }
  });
}

/** A readable form of an event line, its control characters made visible ({@link terminalSafe}). */
export function textLine(l: EventLine): string {
  const parts = [l.at, l.nodeId, l.event.padEnd(13)];
  if (l.taskId) parts.push(`task=${l.taskId}`);
  if (l.scheduleId) parts.push(`schedule=${l.scheduleId}`);
  if (l.fireAt) parts.push(`fire=${l.fireAt}`);
  if (l.attempt !== null) parts.push(`attempt=${l.attempt}`);
  if (l.fence !== null) parts.push(`fence=${l.fence}`);
  if (l.state) parts.push(`state=${l.state}`);
  if (l.dueAt) parts.push(`due=${l.dueAt}`);
  if (l.error) parts.push(`error=${JSON.stringify(l.error)}`);
  // A task's reason is shown by `task show`; a rejected schedule's is the point of the line.
  if (l.event === 'scheduleRejected' && l.reason) parts.push(`reason=${JSON.stringify(l.reason)}`);
  if (l.workers !== undefined) parts.push(`workers=${l.workers} running=${l.running ?? 0}`);
  if (l.line !== undefined) parts.push(`| ${l.line}`);
  return terminalSafe(parts.join(' ').trimEnd());
}
