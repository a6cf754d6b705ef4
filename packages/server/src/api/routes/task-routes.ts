import type { JobInput, TaskState } from '@rookery/core';
import { validationError } from '../http/api-error.js';
import { logLineJson, taskEventJson, taskJson } from '../http/to-json.js';
import { CANCEL_INPUT, ID_PARAMS, JOB_INPUT, LOG_QUERY, TASK_LIST_QUERY } from '../schemas/inputs.js';
import { strictObject } from '../schemas/json-schema.js';
import { LOG_LINE, pageOf, TASK, TASK_EVENT } from '../schemas/model.js';
import type { ApiRoute } from './api-route.js';
import { statesOf } from './schedule-routes.js';

function taskId(params: unknown): string {
  return (params as { id: string }).id;
}

/** Jobs (enqueue) and tasks: list, show with events, cancel, retry, logs. */
export const TASK_ROUTES: ApiRoute[] = [
  {
    method: 'POST',
    url: '/jobs',
    role: 'operate',
    summary: 'Enqueues a job (201; 200 with the live task that holds its key)',
    tag: 'jobs',
    status: 201,
    schemas: { body: JOB_INPUT, response: strictObject({ task: TASK, created: { type: 'boolean' } }) },
    handle: async (request, reply, { client }) => {
      const { task, created } = await client.enqueue(request.body as JobInput);
      await reply.code(created ? 201 : 200).send({ task: taskJson(task), created });
      return undefined;
    },
  },
  {
    method: 'GET',
    url: '/tasks',
    role: 'read',
    summary: 'Tasks, newest fire time first, a page at a time, filtered by schedule, state and executor, or jobs only',
    tag: 'tasks',
    schemas: { querystring: TASK_LIST_QUERY, response: pageOf(TASK) },
    handle: async (request, _reply, { client }) => {
      const q = request.query as {
        schedule?: string;
        state?: string;
        executor?: string;
        kind?: 'job';
        limit: number;
        cursor?: string;
      };
      if (q.kind !== undefined && q.schedule !== undefined)
        throw validationError('kind', 'lists the tasks with no schedule; leave out `schedule`');
      const states = statesOf<TaskState>(q.state);
      const page = await client.pageTasks({
        limit: q.limit,
        ...(q.schedule !== undefined ? { schedule: q.schedule } : {}),
        ...(states ? { states } : {}),
        ...(q.executor !== undefined ? { executor: q.executor } : {}),
        ...(q.kind === 'job' ? { jobsOnly: true } : {}),
        ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
      });
      return { items: page.items.map(taskJson), nextCursor: page.nextCursor };
    },
  },
  {
    method: 'GET',
    url: '/tasks/:id',
    role: 'read',
    summary: 'One task with its state transitions (attempts, repairs, cancels), oldest first',
    tag: 'tasks',
    schemas: {
      params: ID_PARAMS,
      response: strictObject({ task: TASK, events: { type: 'array', items: TASK_EVENT } }),
    },
    handle: async (request, _reply, { client }) => {
      const task = await client.getTask(taskId(request.params));
      const events = await client.taskHistory(task.id);
      return { task: taskJson(task), events: events.map(taskEventJson) };
    },
  },
  {
    method: 'POST',
    url: '/tasks/:id/cancel',
    role: 'operate',
    summary: 'Cancels a task: a pending one at once, a running one is asked to stop',
    tag: 'tasks',
    optionalBody: true,
    schemas: { params: ID_PARAMS, body: CANCEL_INPUT, response: TASK },
    handle: async (request, _reply, { client }) => {
      const body = request.body as { reason?: string };
      return taskJson(await client.cancelTask(taskId(request.params), body.reason ?? 'cancelled through the HTTP API'));
    },
  },
  {
    method: 'POST',
    url: '/tasks/:id/retry',
    role: 'operate',
    summary: 'Gives a failed, cancelled, missed or abandoned task a new attempt, due now',
    tag: 'tasks',
    schemas: { params: ID_PARAMS, response: TASK },
    handle: async (request, _reply, { client }) => taskJson(await client.retryTask(taskId(request.params))),
  },
  {
    method: 'GET',
    url: '/tasks/:id/logs',
    role: 'read',
    summary: "A task's stored log lines after a sequence number",
    tag: 'tasks',
    schemas: {
      params: ID_PARAMS,
      querystring: LOG_QUERY,
      response: strictObject({
        items: { type: 'array', items: LOG_LINE },
        next: { type: 'integer', description: 'pass as `after` to read on' },
      }),
    },
    handle: async (request, _reply, { client }) => {
      const { after, limit } = request.query as { after: number; limit: number };
      const lines = await client.taskLogs({ id: taskId(request.params), afterSeq: after, limit });
      return { items: lines.map(logLineJson), next: lines.at(-1)?.seq ?? after };
    },
  },
];
