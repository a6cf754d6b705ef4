import type { NodeRecord, Schedule, ScheduleSubmission, Task, TaskEvent } from '@rookery/core';
import type { TextSink } from '../context.js';

/** An instant as an ISO-8601 UTC string, or null. */
export function iso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString();
}

/** A schedule for output: every instant as an ISO string. */
export function scheduleJson(s: Schedule): Record<string, unknown> {
  const trigger: Record<string, unknown> = { ...s.trigger };
  for (const key of ['at', 'anchor', 'firstAt'] as const) {
    const v = trigger[key];
    if (typeof v === 'number') trigger[key] = iso(v);
  }
  return {
    id: s.id,
    name: s.name,
    state: s.state,
    clientId: s.clientId,
    validation: s.validation && { ...s.validation, at: iso(s.validation.at) },
    executor: s.executor,
    payload: s.payload,
    trigger,
    startAt: iso(s.startAt),
    endAt: iso(s.endAt),
    policies: s.policies,
    nextFireAt: iso(s.nextFireAt),
    gateTaskId: s.gateTaskId,
    leaseOwner: s.leaseOwner,
    leaseExpiresAt: iso(s.leaseExpiresAt),
    fence: s.fence,
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
  };
}

/** A client's submission for output: instants as ISO strings. */
export function submissionJson(v: ScheduleSubmission): Record<string, unknown> {
  return { ...v, validatedAt: iso(v.validatedAt), submittedAt: iso(v.submittedAt) };
}

/** A task for output: every instant as an ISO string. */
export function taskJson(t: Task): Record<string, unknown> {
  return {
    id: t.id,
    scheduleId: t.scheduleId,
    key: t.key,
    origin: t.origin,
    fireAt: iso(t.fireAt),
    spanEndAt: iso(t.spanEndAt),
    spanCount: t.spanCount,
    dueAt: iso(t.dueAt),
    deadlineAt: iso(t.deadlineAt),
    state: t.state,
    attempt: t.attempt,
    failures: t.failures,
    fence: t.fence,
    executor: t.executor,
    payload: t.payload,
    nodeId: t.nodeId,
    leaseOwner: t.leaseOwner,
    leaseExpiresAt: iso(t.leaseExpiresAt),
    startedAt: iso(t.startedAt),
    endedAt: iso(t.endedAt),
    result: t.result,
    error: t.error,
    reason: t.reason,
    executionId: t.executionId,
    cancelRequested: t.cancelRequested,
    policies: t.policies,
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
  };
}

/** A task state transition for output. */
export function taskEventJson(e: TaskEvent): Record<string, unknown> {
  return { at: iso(e.at), from: e.from, to: e.to, nodeId: e.nodeId, reason: e.reason, fence: e.fence };
}

/** A node for output. */
export function nodeJson(n: NodeRecord): Record<string, unknown> {
  return {
    id: n.id,
    host: n.host,
    pid: n.pid,
    executors: n.executors,
    startedAt: iso(n.startedAt),
    heartbeatAt: iso(n.heartbeatAt),
    stoppedAt: iso(n.stoppedAt),
    clockOffsetMs: n.clockOffsetMs,
  };
}

/** Writes a value as indented JSON, followed by a newline. */
export function writeJson(sink: TextSink, value: unknown): void {
  sink.write(`${JSON.stringify(value, null, 2)}\n`);
}
