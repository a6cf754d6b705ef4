import type {
  Json,
  NodeRecord,
  Schedule,
  SchedulePolicies,
  ScheduleState,
  Task,
  TaskEvent,
  TaskPolicies,
  TaskOrigin,
  TaskState,
  Trigger,
} from '@rookery/core';
import type { Row } from './sql-context.js';

/** A 64-bit integer column (PostgreSQL and tedious return BIGINT as a string). */
export function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  throw new TypeError(`expected an integer column, got ${String(value)}`);
}

/** A nullable integer column. */
export function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : num(value);
}

/** A text column (some drivers return TEXT as a Buffer). */
export function str(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  throw new TypeError(`expected a string column, got ${String(value)}`);
}

function strOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : str(value);
}

function json<T>(value: unknown): T {
  return JSON.parse(str(value)) as T;
}

function jsonOrNull(value: unknown): Json | null {
  return value === null || value === undefined ? null : json<Json>(value);
}

/** A JSON value as stored: text. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value);
}

/** A schedule's unique key: its name in NFC, lower-cased. Compared byte by byte on every dialect. */
export function nameKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/** Maps a `rookery_schedules` row to a {@link Schedule}. */
export function scheduleFromRow(r: Row): Schedule {
  return {
    id: str(r['id']),
    name: str(r['name']),
    executor: str(r['executor']),
    payload: json<Json>(r['payload']),
    trigger: json<Trigger>(r['trigger_json']),
    startAt: numOrNull(r['start_at']),
    endAt: numOrNull(r['end_at']),
    policies: json<SchedulePolicies>(r['policies']),
    state: str(r['state']) as ScheduleState,
    clientId: strOrNull(r['client_id']),
    validation:
      r['validated_by'] === null || r['validated_by'] === undefined
        ? null
        : {
            by: str(r['validated_by']),
            at: num(r['validated_at']),
            field: strOrNull(r['rejected_field']),
            reason: strOrNull(r['rejected_reason']),
          },
    nextFireAt: numOrNull(r['next_fire_at']),
    gateTaskId: strOrNull(r['gate_task_id']),
    leaseOwner: strOrNull(r['lease_owner']),
    leaseExpiresAt: numOrNull(r['lease_expires_at']),
    fence: num(r['fence']),
    createdAt: num(r['created_at']),
    updatedAt: num(r['updated_at']),
  };
}

/**
 * Maps a `rookery_tasks` row to a {@link Task}. A job's row carries its own id as its
 * `schedule_id` (see migration 9), which maps to a `scheduleId` of null. Only an operator's
 * extra run stores its `origin` (migration 11); a row without one is a job's or a trigger's.
 */
export function taskFromRow(r: Row): Task {
  const id = str(r['id']);
  const scheduleId = str(r['schedule_id']);
  return {
    id,
    scheduleId: scheduleId === id ? null : scheduleId,
    fireAt: num(r['fire_at']),
    key: strOrNull(r['dedupe_key']),
    origin: (strOrNull(r['origin']) as TaskOrigin | null) ?? (scheduleId === id ? 'job' : 'trigger'),
    spanEndAt: numOrNull(r['span_end_at']),
    spanCount: num(r['span_count']),
    dueAt: num(r['due_at']),
    deadlineAt: numOrNull(r['deadline_at']),
    state: str(r['state']) as TaskState,
    attempt: num(r['attempt']),
    failures: num(r['failures']),
    repairs: num(r['repairs']),
    fence: num(r['fence']),
    executor: str(r['executor']),
    payload: json<Json>(r['payload']),
    policies: json<TaskPolicies>(r['policies']),
    leaseOwner: strOrNull(r['lease_owner']),
    leaseExpiresAt: numOrNull(r['lease_expires_at']),
    nodeId: strOrNull(r['node_id']),
    startedAt: numOrNull(r['started_at']),
    endedAt: numOrNull(r['ended_at']),
    result: jsonOrNull(r['result']),
    error: strOrNull(r['error']),
    reason: strOrNull(r['reason']),
    executionId: strOrNull(r['execution_id']),
    cancelRequested: num(r['cancel_requested']) !== 0,
    traceContext: strOrNull(r['trace_context']),
    createdAt: num(r['created_at']),
    updatedAt: num(r['updated_at']),
  };
}

/** Maps a `rookery_task_events` row to a {@link TaskEvent}. */
export function eventFromRow(r: Row): TaskEvent {
  return {
    taskId: str(r['task_id']),
    at: num(r['at']),
    from: strOrNull(r['from_state']) as TaskState | null,
    to: str(r['to_state']) as TaskState,
    nodeId: strOrNull(r['node_id']),
    reason: strOrNull(r['reason']),
    fence: num(r['fence']),
  };
}

/** Maps a `rookery_nodes` row to a {@link NodeRecord}. */
export function nodeFromRow(r: Row): NodeRecord {
  return {
    id: str(r['id']),
    host: str(r['host']),
    pid: num(r['pid']),
    executors: json<string[]>(r['executors']),
    startedAt: num(r['started_at']),
    heartbeatAt: num(r['heartbeat_at']),
    stoppedAt: numOrNull(r['stopped_at']),
    clockOffsetMs: num(r['clock_offset_ms']),
  };
}
