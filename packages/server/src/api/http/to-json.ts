import type { ClusterOverview, NodeSummary, Schedule, Task, TaskEvent, TaskLogLine, Trigger } from '@rookery/core';

// The client's types as the API answers them: every instant (epoch ms) an ISO-8601 string.

/** An instant as ISO-8601. */
function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** An instant or null as ISO-8601 or null. */
function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : iso(ms);
}

/** A trigger with its instants (`anchor`, `at`, `firstAt`) as ISO-8601. */
function triggerJson(t: Trigger): Record<string, unknown> {
  switch (t.kind) {
    case 'cron':
      return { ...t };
    case 'interval':
      return { ...t, ...(t.anchor !== undefined ? { anchor: iso(t.anchor) } : {}) };
    case 'once':
      return { ...t, at: iso(t.at) };
    case 'after-run':
      return { ...t, ...(t.firstAt !== undefined ? { firstAt: iso(t.firstAt) } : {}) };
  }
}

/** A schedule as JSON. */
export function scheduleJson(s: Schedule): Record<string, unknown> {
  return {
    ...s,
    trigger: triggerJson(s.trigger),
    startAt: isoOrNull(s.startAt),
    endAt: isoOrNull(s.endAt),
    validation: s.validation && { ...s.validation, at: iso(s.validation.at) },
    nextFireAt: isoOrNull(s.nextFireAt),
    leaseExpiresAt: isoOrNull(s.leaseExpiresAt),
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
  };
}

/**
 * A task as JSON. Its `traceContext` stays out: it is the enqueuing code's tracing detail,
 * for the nodes that continue its trace, not part of the API's task.
 */
export function taskJson(t: Task): Record<string, unknown> {
  const { traceContext: _traceContext, ...shown } = t;
  return {
    ...shown,
    fireAt: iso(t.fireAt),
    spanEndAt: isoOrNull(t.spanEndAt),
    dueAt: iso(t.dueAt),
    deadlineAt: isoOrNull(t.deadlineAt),
    leaseExpiresAt: isoOrNull(t.leaseExpiresAt),
    startedAt: isoOrNull(t.startedAt),
    endedAt: isoOrNull(t.endedAt),
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
  };
}

/** A task event as JSON. */
export function taskEventJson(e: TaskEvent): Record<string, unknown> {
  return { ...e, at: iso(e.at) };
}

/** A log line as JSON. */
export function logLineJson(l: TaskLogLine): Record<string, unknown> {
  return { ...l, at: iso(l.at) };
}

/** A node as JSON. */
export function nodeJson(n: NodeSummary): Record<string, unknown> {
  return { ...n, startedAt: iso(n.startedAt), heartbeatAt: iso(n.heartbeatAt), stoppedAt: isoOrNull(n.stoppedAt) };
}

/** The overview as JSON. */
export function overviewJson(o: ClusterOverview): Record<string, unknown> {
  return { ...o, at: iso(o.at), nodes: o.nodes.map(nodeJson) };
}
