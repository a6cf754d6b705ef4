import { SCHEDULE_STATES, TASK_STATES } from '@rookery/core';
import { ANY_JSON, INSTANT_INPUT, type JsonSchema } from './json-schema.js';

// The schemas of what the API accepts. They check shape (types, known fields, bounds); the
// client then checks meaning (a cron expression, a time zone, a policy strategy) and names the
// field of what it refuses. Either way the answer is a 400 naming the field.

/** A trigger as written: instants as ISO strings or epoch ms. */
export const TRIGGER_INPUT: JsonSchema = {
  type: 'object',
  description:
    "`{ kind: 'cron', expr, tz? }`, `{ kind: 'interval', everyMs, anchor? }`, `{ kind: 'once', at }` or `{ kind: 'after-run', delayMs, firstAt? }`",
  properties: {
    kind: { type: 'string', enum: ['cron', 'interval', 'once', 'after-run'] },
    expr: { type: 'string', maxLength: 1000 },
    tz: { type: 'string', maxLength: 100 },
    everyMs: { type: 'integer', minimum: 1 },
    anchor: INSTANT_INPUT,
    at: INSTANT_INPUT,
    delayMs: { type: 'integer', minimum: 0 },
    firstAt: INSTANT_INPUT,
  },
  required: ['kind'],
  additionalProperties: false,
};

const RETRY_INPUT: JsonSchema = {
  type: 'object',
  properties: {
    kind: { type: 'string' },
    maxAttempts: { type: 'integer' },
    delayMs: { type: 'integer' },
    factor: { type: 'number' },
    maxDelayMs: { type: 'integer' },
    jitter: { type: 'number' },
  },
  additionalProperties: false,
};

/** Schedule policies as written: each optional. */
export const POLICIES_INPUT: JsonSchema = {
  type: 'object',
  properties: {
    duplicate: { type: 'string', enum: ['run', 'skip', 'replace', 'queue'] },
    misfire: { type: 'string' },
    misfireMaxRuns: { type: 'integer' },
    misfireGraceMs: { type: 'integer' },
    startingDeadlineMs: { type: ['integer', 'null'] },
    retry: RETRY_INPUT,
    timeoutMs: { type: ['integer', 'null'] },
    priority: { type: 'integer' },
    taskCreation: { type: 'string', enum: ['ahead', 'on-start', 'on-end'] },
    delivery: { type: 'string', enum: ['at-least-once', 'at-most-once'] },
    dst: {
      type: 'object',
      properties: {
        gap: { type: 'string', enum: ['run-after-gap', 'skip'] },
        overlap: { type: 'string', enum: ['first', 'last', 'both'] },
      },
      additionalProperties: false,
    },
    jitterMs: { type: 'integer' },
  },
  additionalProperties: false,
};

const SCHEDULE_FIELDS: Record<string, JsonSchema> = {
  name: { type: 'string', minLength: 1, maxLength: 200 },
  executor: { type: 'string', minLength: 1, maxLength: 200 },
  payload: ANY_JSON,
  trigger: TRIGGER_INPUT,
  startAt: INSTANT_INPUT,
  endAt: INSTANT_INPUT,
  policies: POLICIES_INPUT,
};

/** A new schedule (as `client.createSchedule` takes it). */
export const SCHEDULE_INPUT: JsonSchema = {
  type: 'object',
  description: 'A schedule to create.',
  properties: {
    ...SCHEDULE_FIELDS,
    paused: { type: 'boolean' },
    clientId: { type: 'string', minLength: 1, maxLength: 200 },
  },
  required: ['name', 'executor', 'trigger'],
  additionalProperties: false,
};

/** Changes to a schedule (as `client.updateSchedule` takes them): a null window end removes it. */
export const SCHEDULE_CHANGES: JsonSchema = {
  type: 'object',
  description:
    'What to change; policies are merged into the current ones. A null startAt or endAt removes that end of the window.',
  properties: {
    ...SCHEDULE_FIELDS,
    startAt: { type: ['string', 'number', 'null'] },
    endAt: { type: ['string', 'number', 'null'] },
  },
  additionalProperties: false,
};

/** The body of `POST /schedules/apply`. */
export const APPLY_INPUT: JsonSchema = {
  type: 'object',
  properties: {
    schedules: {
      type: 'array',
      items: { ...SCHEDULE_INPUT, properties: { ...SCHEDULE_FIELDS, paused: { type: 'boolean' } } },
      maxItems: 10_000,
    },
    prune: { type: 'boolean', description: 'delete every stored schedule not among them' },
    dryRun: { type: 'boolean', description: 'answer what would be done, and write nothing' },
  },
  required: ['schedules'],
  additionalProperties: false,
};

/** A job (as `client.enqueue` takes it). */
export const JOB_INPUT: JsonSchema = {
  type: 'object',
  description: 'A job to enqueue.',
  properties: {
    executor: { type: 'string', minLength: 1, maxLength: 200 },
    payload: ANY_JSON,
    runAt: INSTANT_INPUT,
    priority: { type: 'integer' },
    key: { type: 'string', minLength: 1, maxLength: 200 },
    policies: {
      type: 'object',
      properties: {
        retry: RETRY_INPUT,
        timeoutMs: { type: ['integer', 'null'] },
        delivery: { type: 'string', enum: ['at-least-once', 'at-most-once'] },
      },
      additionalProperties: false,
    },
  },
  required: ['executor'],
  additionalProperties: false,
};

/** The body of `POST /schedules/:idOrName/run`. */
export const RUN_INPUT: JsonSchema = {
  type: 'object',
  properties: { payload: { ...ANY_JSON, description: "the payload of this run only; the schedule's when left out" } },
  additionalProperties: false,
};

/** The body of `POST /tasks/:id/cancel`. */
export const CANCEL_INPUT: JsonSchema = {
  type: 'object',
  properties: { reason: { type: 'string', minLength: 1, maxLength: 1000 } },
  additionalProperties: false,
};

/** A comma-separated list of states, as a query parameter. */
function statesParam(states: readonly string[]): JsonSchema {
  const one = states.join('|');
  return { type: 'string', pattern: `^(${one})(,(${one}))*$`, description: `comma-separated: ${states.join(', ')}` };
}

/** `?limit=`: 1 to 500, 50 when left out. */
export const LIMIT_PARAM: JsonSchema = { type: 'integer', minimum: 1, maximum: 500, default: 50 };

/** `?cursor=`: the `nextCursor` of the previous page. */
export const CURSOR_PARAM: JsonSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 1000,
  description: 'the nextCursor of the previous page',
};

/** Query of `GET /schedules`. */
export const SCHEDULE_LIST_QUERY: JsonSchema = {
  type: 'object',
  properties: {
    state: statesParam(SCHEDULE_STATES),
    q: { type: 'string', maxLength: 200, description: 'name contains (ignoring case)' },
    limit: LIMIT_PARAM,
    cursor: CURSOR_PARAM,
  },
  additionalProperties: false,
};

/** Query of `GET /schedules/:idOrName/occurrences`. */
export const OCCURRENCE_QUERY: JsonSchema = {
  type: 'object',
  properties: { state: statesParam(TASK_STATES), limit: LIMIT_PARAM, cursor: CURSOR_PARAM },
  additionalProperties: false,
};

/** Query of `GET /tasks`. */
export const TASK_LIST_QUERY: JsonSchema = {
  type: 'object',
  properties: {
    schedule: { type: 'string', minLength: 1, maxLength: 200, description: 'schedule id or name' },
    state: statesParam(TASK_STATES),
    executor: { type: 'string', minLength: 1, maxLength: 200 },
    kind: {
      type: 'string',
      enum: ['job'],
      description: '`job`: only jobs, the tasks enqueued with no schedule (not with `schedule`)',
    },
    limit: LIMIT_PARAM,
    cursor: CURSOR_PARAM,
  },
  additionalProperties: false,
};

/** Query of `GET /schedules/:idOrName/preview`. */
export const PREVIEW_QUERY: JsonSchema = {
  type: 'object',
  properties: { count: { type: 'integer', minimum: 1, maximum: 1000, default: 10 } },
  additionalProperties: false,
};

/** Query of `GET /tasks/:id/logs`. */
export const LOG_QUERY: JsonSchema = {
  type: 'object',
  properties: {
    after: { type: 'integer', minimum: 0, default: 0, description: 'the last seq read' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 500 },
  },
  additionalProperties: false,
};

/** Query of `GET /tasks/:id/logs/stream`. */
export const LOG_STREAM_QUERY: JsonSchema = {
  type: 'object',
  properties: { after: { type: 'integer', minimum: 0, default: 0, description: 'the last seq read' } },
  additionalProperties: false,
};

/** The query of a route that takes none: any parameter is a 400 naming it. */
export const NO_QUERY: JsonSchema = { type: 'object', properties: {}, additionalProperties: false };

/** Path parameter `:idOrName`. */
export const ID_OR_NAME_PARAMS: JsonSchema = {
  type: 'object',
  properties: { idOrName: { type: 'string', minLength: 1, maxLength: 200 } },
  required: ['idOrName'],
  additionalProperties: false,
};

/** Path parameter `:id`. */
export const ID_PARAMS: JsonSchema = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
  required: ['id'],
  additionalProperties: false,
};
