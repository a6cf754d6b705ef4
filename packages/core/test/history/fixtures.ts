import { checkHistory, type HistoryInput, type HistoryReport } from '../../src/history/check-history.js';
import type { FaultRecord, RunRecord } from '../../src/history/run-record.js';
import type { DuplicatePolicyName } from '../../src/model/policies.js';
import type { Schedule } from '../../src/model/schedule.js';
import { DEFAULT_POLICIES } from '../../src/model/schedule-input.js';
import type { Task, TaskEvent, TaskState } from '../../src/model/task.js';

/** Anchor of every schedule: fire times are T0, T0 + 1000, T0 + 2000, ... */
export const T0 = Date.parse('2026-01-01T00:00:00Z');
/** What `check` passes as `lateAfterMs`. */
export const LATE_AFTER_MS = 500;

/** A schedule firing every second from T0, created a minute before. */
export function schedule(id: string, duplicate: DuplicatePolicyName = 'run'): Schedule {
  return {
    id,
    name: id,
    executor: 'noop',
    payload: null,
    trigger: { kind: 'interval', everyMs: 1000, anchor: T0 },
    startAt: null,
    endAt: null,
    policies: { ...DEFAULT_POLICIES, duplicate },
    state: 'active',
    clientId: null,
    validation: null,
    nextFireAt: null,
    gateTaskId: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    fence: 0,
    createdAt: T0 - 60_000,
    updatedAt: T0 - 60_000,
  };
}

/** The task of `s` for fire time T0 + `k` seconds, id `<schedule>@<k>`, completed unless patched. */
export function task(s: Schedule, k: number, patch: Partial<Task> = {}): Task {
  const fireAt = T0 + k * 1000;
  const { duplicate, retry, timeoutMs, priority, delivery, taskCreation } = s.policies;
  return {
    id: `${s.id}@${k}`,
    scheduleId: s.id,
    fireAt,
    key: null,
    origin: 'trigger',
    spanEndAt: null,
    spanCount: 1,
    dueAt: fireAt,
    deadlineAt: null,
    state: 'completed',
    attempt: 1,
    failures: 0,
    repairs: 0,
    fence: 1,
    executor: s.executor,
    payload: s.payload,
    policies: { duplicate, retry, timeoutMs, priority, delivery, taskCreation },
    leaseOwner: null,
    leaseExpiresAt: null,
    nodeId: null,
    startedAt: null,
    endedAt: null,
    result: null,
    error: null,
    reason: null,
    executionId: null,
    cancelRequested: false,
    traceContext: null,
    createdAt: fireAt - 1000,
    updatedAt: fireAt,
    ...patch,
  };
}

/** A start record of attempt `fence` of `t` on `nodeId`. */
export function start(t: Task, nodeId: string, at: number, fence = 1): RunRecord {
  return { kind: 'start', nodeId, taskId: t.id, scheduleId: t.scheduleId, fireAt: t.fireAt, attempt: fence, fence, at };
}

/** An end record of attempt `fence` of `t` on `nodeId`. */
export function end(t: Task, nodeId: string, at: number, fence = 1, ok = true): RunRecord {
  return { ...start(t, nodeId, at, fence), kind: 'end', ok };
}

/** A transition of `t`. */
export function event(
  t: Task,
  at: number,
  from: TaskState | null,
  to: TaskState,
  fence: number,
  reason: string | null = null,
): TaskEvent {
  return { taskId: t.id, at, from, to, nodeId: 'n1', reason, fence };
}

/** The records and events of one attempt `fence` of `t` on `nodeId`, from `startAt` to `endAt`, ending `to`. */
export function attempt(
  t: Task,
  nodeId: string,
  startAt: number,
  endAt: number,
  opts: { fence?: number; to?: TaskState; reason?: string } = {},
): { records: RunRecord[]; events: TaskEvent[] } {
  const fence = opts.fence ?? 1;
  const to = opts.to ?? 'completed';
  return {
    records: [start(t, nodeId, startAt, fence), end(t, nodeId, endAt, fence, to === 'completed')],
    // The node that ran the attempt records both transitions.
    events: [
      event(t, startAt, 'pending', 'running', fence),
      event(t, endAt, 'running', to, fence, opts.reason ?? null),
    ].map((e) => ({ ...e, nodeId })),
  };
}

/** A history under construction. */
export interface History {
  schedules: Schedule[];
  tasks: Task[];
  records: RunRecord[];
  events: TaskEvent[];
  faults: FaultRecord[];
}

/** An empty history of `schedules`. */
export function history(...schedules: Schedule[]): History {
  return { schedules, tasks: [], records: [], events: [], faults: [] };
}

/** Adds `parts` (tasks, attempts, records, events, faults) to `h`. */
export function add(h: History, ...parts: Partial<Omit<History, 'schedules'>>[]): History {
  for (const p of parts) {
    h.tasks.push(...(p.tasks ?? []));
    h.records.push(...(p.records ?? []));
    h.events.push(...(p.events ?? []));
    h.faults.push(...(p.faults ?? []));
  }
  return h;
}

/** Checks `h` for fire times in [T0, T0 + `lastK` s]. */
export function check(h: History, lastK: number, patch: Partial<HistoryInput> = {}): HistoryReport {
  return checkHistory({ ...h, from: T0, to: T0 + lastK * 1000, lateAfterMs: LATE_AFTER_MS, ...patch });
}

/** `ms` after T0 + `k` seconds. */
export const at = (k: number, ms = 0): number => T0 + k * 1000 + ms;
