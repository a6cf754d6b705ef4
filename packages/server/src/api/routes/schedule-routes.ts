import type { Json, ScheduleChanges, ScheduleInput, ScheduleState, TaskState } from '@rookery/core';
import { scheduleJson, taskJson } from '../http/to-json.js';
import {
  APPLY_INPUT,
  ID_OR_NAME_PARAMS,
  OCCURRENCE_QUERY,
  PREVIEW_QUERY,
  RUN_INPUT,
  SCHEDULE_CHANGES,
  SCHEDULE_INPUT,
  SCHEDULE_LIST_QUERY,
} from '../schemas/inputs.js';
import { strictObject } from '../schemas/json-schema.js';
import { pageOf, SCHEDULE, TASK } from '../schemas/model.js';
import type { ApiRoute } from './api-route.js';

/** `?state=a,b` as a list, or undefined when left out. */
export function statesOf<S extends string>(text: string | undefined): S[] | undefined {
  return text === undefined ? undefined : (text.split(',') as S[]);
}

function idOrName(params: unknown): string {
  return (params as { idOrName: string }).idOrName;
}

/** The routes of one schedule's state: pause, resume, retire. */
function stateRoute(action: 'pause' | 'resume' | 'retire', summary: string): ApiRoute {
  return {
    method: 'POST',
    url: `/schedules/:idOrName/${action}`,
    role: action === 'retire' ? 'admin' : 'operate',
    summary,
    tag: 'schedules',
    schemas: { params: ID_OR_NAME_PARAMS, response: SCHEDULE },
    handle: async (request, _reply, { client }) => {
      const id = idOrName(request.params);
      const s =
        action === 'pause'
          ? await client.pauseSchedule(id)
          : action === 'resume'
            ? await client.resumeSchedule(id)
            : await client.retireSchedule(id);
      return scheduleJson(s);
    },
  };
}

/** Schedules: list, create, apply, show, update, delete, pause, resume, retire, run now, preview, occurrences. */
export const SCHEDULE_ROUTES: ApiRoute[] = [
  {
    method: 'GET',
    url: '/schedules',
    role: 'read',
    summary: 'Schedules by name, a page at a time, filtered by state and name',
    tag: 'schedules',
    schemas: { querystring: SCHEDULE_LIST_QUERY, response: pageOf(SCHEDULE) },
    handle: async (request, _reply, { client }) => {
      const q = request.query as { state?: string; q?: string; limit: number; cursor?: string };
      const states = statesOf<ScheduleState>(q.state);
      const page = await client.pageSchedules({
        limit: q.limit,
        ...(states ? { states } : {}),
        ...(q.q !== undefined ? { q: q.q } : {}),
        ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
      });
      return { items: page.items.map(scheduleJson), nextCursor: page.nextCursor };
    },
  },
  {
    method: 'POST',
    url: '/schedules',
    role: 'admin',
    summary: 'Creates a schedule',
    tag: 'schedules',
    status: 201,
    schemas: { body: SCHEDULE_INPUT, response: SCHEDULE },
    handle: async (request, _reply, { client }) =>
      scheduleJson(await client.createSchedule(request.body as ScheduleInput)),
  },
  {
    method: 'POST',
    url: '/schedules/apply',
    role: 'admin',
    summary:
      'Creates or updates each schedule of a list (and with prune, deletes the others); with dryRun, only says what it would do',
    tag: 'schedules',
    schemas: {
      body: APPLY_INPUT,
      response: strictObject({
        items: {
          type: 'array',
          items: strictObject({
            name: { type: 'string' },
            action: { type: 'string', enum: ['created', 'updated', 'unchanged', 'deleted'] },
          }),
        },
      }),
    },
    handle: async (request, _reply, { client }) => {
      const body = request.body as { schedules: ScheduleInput[]; prune?: boolean; dryRun?: boolean };
      const synced = await client.syncSchedules(body.schedules, {
        prune: body.prune ?? false,
        dryRun: body.dryRun ?? false,
      });
      return { items: synced.map((s) => ({ name: s.name, action: s.outcome })) };
    },
  },
  {
    method: 'GET',
    url: '/schedules/:idOrName',
    role: 'read',
    summary: 'One schedule, by id or name',
    tag: 'schedules',
    schemas: { params: ID_OR_NAME_PARAMS, response: SCHEDULE },
    handle: async (request, _reply, { client }) => scheduleJson(await client.getSchedule(idOrName(request.params))),
  },
  {
    method: 'PATCH',
    url: '/schedules/:idOrName',
    role: 'admin',
    summary: 'Changes what a schedule runs and when',
    tag: 'schedules',
    schemas: { params: ID_OR_NAME_PARAMS, body: SCHEDULE_CHANGES, response: SCHEDULE },
    handle: async (request, _reply, { client }) =>
      scheduleJson(await client.updateSchedule(idOrName(request.params), request.body as ScheduleChanges)),
  },
  {
    method: 'DELETE',
    url: '/schedules/:idOrName',
    role: 'admin',
    summary: 'Deletes a schedule and its whole ledger',
    tag: 'schedules',
    status: 204,
    schemas: { params: ID_OR_NAME_PARAMS },
    handle: async (request, _reply, { client }) => {
      await client.deleteSchedule(idOrName(request.params));
      return null;
    },
  },
  stateRoute('pause', 'Pauses a schedule: no new tasks until resumed'),
  stateRoute('resume', 'Resumes a paused schedule from now'),
  stateRoute('retire', 'Retires a schedule: it never fires again, its ledger stays'),
  {
    method: 'POST',
    url: '/schedules/:idOrName/run',
    role: 'operate',
    summary: 'Runs a schedule once now, beside its trigger (a manual task in its ledger; a paused schedule too)',
    tag: 'schedules',
    status: 201,
    optionalBody: true,
    schemas: { params: ID_OR_NAME_PARAMS, body: RUN_INPUT, response: TASK },
    handle: async (request, _reply, { client }) => {
      const body = request.body as { payload?: Json };
      return taskJson(
        await client.runSchedule(idOrName(request.params), body.payload !== undefined ? { payload: body.payload } : {}),
      );
    },
  },
  {
    method: 'GET',
    url: '/schedules/:idOrName/preview',
    role: 'read',
    summary: 'The next fire times of a schedule',
    tag: 'schedules',
    schemas: {
      params: ID_OR_NAME_PARAMS,
      querystring: PREVIEW_QUERY,
      response: strictObject({
        fireTimes: { type: 'array', items: { type: 'string', format: 'date-time' } },
        details: {
          type: 'array',
          items: strictObject({
            at: { type: 'string', format: 'date-time' },
            local: { type: 'string' },
            offset: { type: 'string' },
            note: { type: ['string', 'null'] },
          }),
        },
        warnings: { type: 'array', items: { type: 'string' } },
      }),
    },
    handle: async (request, _reply, { client }) => {
      const { count } = request.query as { count: number };
      const preview = await client.previewSchedule(idOrName(request.params), count);
      return {
        fireTimes: preview.fireTimes.map((f) => f.utc),
        details: preview.fireTimes.map((f) => ({ at: f.utc, local: f.local, offset: f.offset, note: f.note })),
        warnings: preview.warnings,
      };
    },
  },
  {
    method: 'GET',
    url: '/schedules/:idOrName/occurrences',
    role: 'read',
    summary: "A schedule's occurrence ledger, newest fire time first, a page at a time",
    tag: 'schedules',
    schemas: { params: ID_OR_NAME_PARAMS, querystring: OCCURRENCE_QUERY, response: pageOf(TASK) },
    handle: async (request, _reply, { client }) => {
      const q = request.query as { state?: string; limit: number; cursor?: string };
      const states = statesOf<TaskState>(q.state);
      const page = await client.pageTasks({
        schedule: idOrName(request.params),
        limit: q.limit,
        ...(states ? { states } : {}),
        ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
      });
      return { items: page.items.map(taskJson), nextCursor: page.nextCursor };
    },
  },
];
