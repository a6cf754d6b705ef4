import { manualTask } from '../../model/manual-task.js';
import type { Schedule } from '../../model/schedule.js';
import { isTerminalTaskState, type Task, type TaskEvent } from '../../model/task.js';
import type { TaskLogLine } from '../datastore.js';
import type { ExecutionReport } from '../external-execution.js';
import {
  RETRYABLE_TASK_STATES,
  type ScheduleRunNowParams,
  type SchedulePruneDoneParams,
  type TaskRetryParams,
  type TaskRetryResult,
} from '../operator-actions.js';

// The operator actions of the in-memory store (extra runs, retries, retention of done
// schedules), over its maps. Each runs to completion without awaiting, so each is atomic;
// results are copies.

/** The parts of the in-memory store the operator actions read and write. */
export interface MemoryLedger {
  /** Schedules by id. */
  schedules: Map<string, Schedule>;
  /** Tasks by id. */
  tasks: Map<string, Task>;
  /** `scheduleId/fireAt` of every task of a schedule. */
  taskKeys: Set<string>;
  /** A job's dedupe key → the id of the task that took it last. */
  jobKeys: Map<string, string>;
  /** Every task event. */
  events: TaskEvent[];
  /** Every log line. */
  logs: TaskLogLine[];
  /** External execution reports by task id. */
  reports: Map<string, ExecutionReport>;
}

/** See `Datastore.scheduleRunNow`. */
export function scheduleRunNow(ledger: MemoryLedger, p: ScheduleRunNowParams, now: number): Task | undefined {
  const s = ledger.schedules.get(p.scheduleId);
  if (!s || (s.state !== 'active' && s.state !== 'paused')) return undefined;
  let fireAt = now;
  while (ledger.taskKeys.has(`${s.id}/${fireAt}`)) fireAt += 1;
  const task = manualTask(s, p.taskId, fireAt, p.reason, now, p.payload);
  ledger.tasks.set(task.id, task);
  ledger.taskKeys.add(`${s.id}/${fireAt}`);
  ledger.events.push({ taskId: task.id, at: now, from: null, to: 'pending', nodeId: null, reason: p.reason, fence: 0 });
  return structuredClone(task);
}

/** See `Datastore.taskRetry`. */
export function taskRetry(ledger: MemoryLedger, p: TaskRetryParams, now: number): TaskRetryResult | undefined {
  const t = ledger.tasks.get(p.taskId);
  if (!t) return undefined;
  if (!RETRYABLE_TASK_STATES.includes(t.state)) return { outcome: 'refused-state', task: structuredClone(t) };
  if (t.key !== null) {
    const holder = ledger.tasks.get(ledger.jobKeys.get(t.key) ?? '');
    if (holder && holder.id !== t.id && !isTerminalTaskState(holder.state))
      return { outcome: 'refused-key', task: structuredClone(t), holder: structuredClone(holder) };
    ledger.jobKeys.set(t.key, t.id);
  }
  const from = t.state;
  Object.assign(t, {
    state: 'pending',
    dueAt: now,
    deadlineAt: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    executionId: null,
    result: null,
    cancelRequested: false,
    reason: p.reason,
    updatedAt: now,
  });
  ledger.reports.delete(t.id);
  ledger.events.push({ taskId: t.id, at: now, from, to: 'pending', nodeId: null, reason: p.reason, fence: t.fence });
  return { outcome: 'retried', task: structuredClone(t) };
}

/** See `Datastore.schedulePruneDone`. */
export function schedulePruneDone(ledger: MemoryLedger, p: SchedulePruneDoneParams): number {
  const recent = (t: Task): boolean => !isTerminalTaskState(t.state) || (t.endedAt ?? 0) >= p.doneBefore;
  const busy = new Set([...ledger.tasks.values()].filter(recent).map((t) => t.scheduleId));
  const old = [...ledger.schedules.values()]
    .filter((s) => s.state === 'done' && s.updatedAt < p.doneBefore && !busy.has(s.id))
    .sort((a, b) => a.updatedAt - b.updatedAt)
    .slice(0, Math.max(0, p.limit));
  const gone = new Set(old.map((s) => s.id));
  for (const [id, t] of ledger.tasks) {
    if (t.scheduleId === null || !gone.has(t.scheduleId)) continue;
    ledger.tasks.delete(id);
    ledger.reports.delete(id);
    ledger.taskKeys.delete(`${t.scheduleId}/${t.fireAt}`);
  }
  for (const id of gone) ledger.schedules.delete(id);
  ledger.events.splice(0, ledger.events.length, ...ledger.events.filter((e) => ledger.tasks.has(e.taskId)));
  ledger.logs.splice(0, ledger.logs.length, ...ledger.logs.filter((l) => ledger.tasks.has(l.taskId)));
  return old.length;
}
