import { SCHEDULE_STATES, TASK_STATES } from '@rookery/core';
import { ANY_JSON, INSTANT, INSTANT_OR_NULL, strictObject, type JsonSchema } from './json-schema.js';

// The schemas of what the API answers: the client's types (packages/core/src/model) as JSON,
// every instant an ISO-8601 string. Tests check every answer of every route against them.

const nullableInteger: JsonSchema = { type: ['integer', 'null'] };
const nullableString: JsonSchema = { type: ['string', 'null'] };

/** A schedule's trigger, instants as ISO strings. */
export const TRIGGER: JsonSchema = {
  type: 'object',
  description:
    'When a schedule fires: `cron` (expr, tz), `interval` (everyMs, anchor), `once` (at) or `after-run` (delayMs, firstAt).',
  properties: {
    kind: { type: 'string', enum: ['cron', 'interval', 'once', 'after-run'] },
    expr: { type: 'string' },
    tz: { type: 'string' },
    everyMs: { type: 'integer' },
    anchor: INSTANT,
    at: INSTANT,
    delayMs: { type: 'integer' },
    firstAt: INSTANT,
  },
  required: ['kind'],
  additionalProperties: false,
};

const RETRY: JsonSchema = strictObject({
  kind: { type: 'string' },
  maxAttempts: { type: 'integer' },
  delayMs: { type: 'integer' },
  factor: { type: 'number' },
  maxDelayMs: { type: 'integer' },
  jitter: { type: 'number' },
});

/** Every policy of a schedule, defaults filled in. */
export const SCHEDULE_POLICIES: JsonSchema = strictObject({
  duplicate: { type: 'string', enum: ['run', 'skip', 'replace', 'queue'] },
  misfire: { type: 'string' },
  misfireMaxRuns: { type: 'integer' },
  misfireGraceMs: { type: 'integer' },
  startingDeadlineMs: nullableInteger,
  retry: RETRY,
  timeoutMs: nullableInteger,
  priority: { type: 'integer' },
  taskCreation: { type: 'string', enum: ['ahead', 'on-start', 'on-end'] },
  delivery: { type: 'string', enum: ['at-least-once', 'at-most-once'] },
  dst: strictObject({
    gap: { type: 'string', enum: ['run-after-gap', 'skip'] },
    overlap: { type: 'string', enum: ['first', 'last', 'both'] },
  }),
  jitterMs: { type: 'integer' },
});

/** A schedule. */
export const SCHEDULE: JsonSchema = strictObject(
  {
    id: { type: 'string' },
    name: { type: 'string' },
    executor: { type: 'string' },
    payload: ANY_JSON,
    trigger: TRIGGER,
    startAt: INSTANT_OR_NULL,
    endAt: INSTANT_OR_NULL,
    policies: SCHEDULE_POLICIES,
    state: { type: 'string', enum: SCHEDULE_STATES },
    clientId: nullableString,
    validation: {
      anyOf: [
        { type: 'null' },
        strictObject({ by: { type: 'string' }, at: INSTANT, field: nullableString, reason: nullableString }),
      ],
    },
    nextFireAt: INSTANT_OR_NULL,
    gateTaskId: nullableString,
    leaseOwner: nullableString,
    leaseExpiresAt: INSTANT_OR_NULL,
    fence: { type: 'integer' },
    createdAt: INSTANT,
    updatedAt: INSTANT,
  },
  'A schedule: what runs, when, under which policies.',
);

/** The policies a task carries. */
export const TASK_POLICIES: JsonSchema = strictObject({
  duplicate: { type: 'string' },
  retry: RETRY,
  timeoutMs: nullableInteger,
  priority: { type: 'integer' },
  delivery: { type: 'string' },
  taskCreation: { type: 'string' },
});

/** A task: one row of a schedule's occurrence ledger, or a job. */
export const TASK: JsonSchema = strictObject(
  {
    id: { type: 'string' },
    scheduleId: nullableString,
    fireAt: INSTANT,
    key: nullableString,
    origin: {
      type: 'string',
      enum: ['trigger', 'manual', 'job'],
      description: "its schedule's trigger, an operator's extra run (`manual`), or an enqueued job",
    },
    spanEndAt: INSTANT_OR_NULL,
    spanCount: { type: 'integer' },
    dueAt: INSTANT,
    deadlineAt: INSTANT_OR_NULL,
    state: { type: 'string', enum: TASK_STATES },
    attempt: { type: 'integer' },
    failures: { type: 'integer' },
    repairs: { type: 'integer' },
    fence: { type: 'integer' },
    executor: { type: 'string' },
    payload: ANY_JSON,
    policies: TASK_POLICIES,
    leaseOwner: nullableString,
    leaseExpiresAt: INSTANT_OR_NULL,
    nodeId: nullableString,
    startedAt: INSTANT_OR_NULL,
    endedAt: INSTANT_OR_NULL,
    result: ANY_JSON,
    error: nullableString,
    reason: nullableString,
    executionId: nullableString,
    cancelRequested: { type: 'boolean' },
    createdAt: INSTANT,
    updatedAt: INSTANT,
  },
  'A task: one fire time of a schedule (a row of its occurrence ledger), or a job.',
);

/** One state transition of a task. */
export const TASK_EVENT: JsonSchema = strictObject(
  {
    taskId: { type: 'string' },
    at: INSTANT,
    from: { type: ['string', 'null'], enum: [...TASK_STATES, null] },
    to: { type: 'string', enum: TASK_STATES },
    nodeId: nullableString,
    reason: nullableString,
    fence: { type: 'integer' },
  },
  'A state transition of a task: an attempt started, ended, was repaired or cancelled.',
);

/** One stored line of a task's log. */
export const LOG_LINE: JsonSchema = strictObject(
  { seq: { type: 'integer' }, taskId: { type: 'string' }, at: INSTANT, line: { type: 'string' } },
  'A line of a task log; `seq` grows with every line stored.',
);

/** A registered node. */
export const NODE: JsonSchema = strictObject(
  {
    id: { type: 'string' },
    host: { type: 'string' },
    pid: { type: 'integer' },
    executors: { type: 'array', items: { type: 'string' } },
    startedAt: INSTANT,
    heartbeatAt: INSTANT,
    stoppedAt: INSTANT_OR_NULL,
    clockOffsetMs: { type: 'number' },
    alive: { type: 'boolean', description: 'not stopped, and heartbeated within the last 30 s' },
    running: { type: 'integer', description: 'tasks it runs now: its worker slots in use' },
  },
  'A node: registered on start, heartbeating while it runs.',
);

/** The cluster overview. */
export const OVERVIEW: JsonSchema = strictObject({
  at: INSTANT,
  nodes: { type: 'array', items: NODE },
  tasks: strictObject({
    pending: { type: 'integer' },
    running: { type: 'integer' },
    completedLastHour: { type: 'integer' },
    failedLastHour: { type: 'integer' },
  }),
  backlog: { type: 'integer', description: 'pending tasks already due' },
  latenessMs: {
    anyOf: [{ type: 'null' }, strictObject({ p50: { type: 'number' }, p99: { type: 'number' } })],
    description: 'start lateness percentiles of the latest starts within the hour, null with none',
  },
  startedPerSecond: { type: 'number', description: 'task starts per second over the last minute' },
});

/** A page of `item`: its items and the cursor of the next page. */
export function pageOf(item: JsonSchema): JsonSchema {
  return strictObject({
    items: { type: 'array', items: item },
    nextCursor: { type: ['string', 'null'], description: 'pass as `cursor` for the next page; null on the last' },
  });
}

/** The body of every error answer. */
export const ERROR: JsonSchema = strictObject({
  error: {
    type: 'object',
    properties: {
      code: { type: 'string', enum: ['unauthorized', 'forbidden', 'validation', 'not_found', 'conflict', 'internal'] },
      message: { type: 'string' },
      field: { type: 'string', description: 'the field at fault (validation, conflict)' },
      required: { type: 'string', description: 'the role the route needs (forbidden)' },
    },
    required: ['code', 'message'],
    additionalProperties: false,
  },
});
