import type { Datastore, RookeryClient } from '@rookery/core';
import { expect } from 'vitest';
import type { Role } from '../../src/index.js';
import type { ApiFixture } from './api-fixtures.js';
import { scheduleInput } from './api-fixtures.js';

/** A request of a route case, relative to the fixture. */
export interface CaseRequest {
  /** HTTP method. */
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Full URL (with `/api/v1`). */
  url: string;
  /** JSON body. */
  payload?: object;
}

type Deps = { client: RookeryClient; store: Datastore };

/** A further request of a route case, checked like its happy path: a conflict, an option. */
export interface AlsoCase {
  /** What it shows, for the test's title. */
  title: string;
  /** Puts the fixture in the state it needs (when it does), then gives the request, its role and status, and what to check. */
  request: (f: ApiFixture, deps: Deps) => Promise<AlsoRequest>;
}

/** The request of an {@link AlsoCase}. */
export type AlsoRequest = CaseRequest & {
  role: Role;
  status: number;
  check: (body: unknown, deps: Deps) => Promise<void> | void;
};

/** How one route is tested: a happy path, a 400 naming a field, and (for operate and admin routes) a 403. */
export interface RouteCase {
  /** `METHOD /path` as the route table has it (`GET /schedules/:idOrName`). */
  route: string;
  /** The successful request, its role and status, and what to check of the answer. */
  happy: (f: ApiFixture) => CaseRequest & {
    role: Role;
    status: number;
    check?: (body: unknown, f: ApiFixture, deps: { client: RookeryClient; store: Datastore }) => Promise<void> | void;
  };
  /** A request refused with 400, and the field the answer must name. */
  bad: (f: ApiFixture) => CaseRequest & { field: string };
  /** Further requests: the conflicts the route answers 409, options the happy path leaves out. */
  also?: AlsoCase[];
}

const V = '/api/v1';
const LONG = 'x'.repeat(201);

type Obj = Record<string, unknown>;
const items = (body: unknown): Obj[] => (body as { items: Obj[] }).items;
const conflictOn =
  (field: string) =>
  (body: unknown): void =>
    expect(body).toMatchObject({ error: { code: 'conflict', field } });

/** One case per route of the API. */
export const ROUTE_CASES: RouteCase[] = [
  {
    route: 'GET /whoami',
    happy: () => ({
      method: 'GET',
      url: `${V}/whoami`,
      role: 'operate',
      status: 200,
      check: (b) => expect(b).toEqual({ role: 'operate' }),
    }),
    bad: () => ({ method: 'GET', url: `${V}/whoami?verbose=1`, field: 'verbose' }),
  },
  {
    route: 'GET /overview',
    happy: () => ({
      method: 'GET',
      url: `${V}/overview`,
      role: 'read',
      status: 200,
      check: (b) => {
        const o = b as { tasks: Obj; backlog: number };
        expect(o.tasks).toEqual({ pending: 3, running: 0, completedLastHour: 0, failedLastHour: 0 });
        expect(o.backlog).toBe(3);
      },
    }),
    bad: () => ({ method: 'GET', url: `${V}/overview?window=1h`, field: 'window' }),
  },
  {
    route: 'GET /nodes',
    happy: () => ({
      method: 'GET',
      url: `${V}/nodes`,
      role: 'read',
      status: 200,
      check: (b) =>
        expect(items(b).map((n) => [n['id'], n['alive'], n['running'], n['executors']])).toEqual([
          ['node-1', true, 0, ['noop']],
        ]),
    }),
    bad: () => ({ method: 'GET', url: `${V}/nodes?all=true`, field: 'all' }),
  },
  {
    route: 'GET /schedules',
    happy: () => ({
      method: 'GET',
      url: `${V}/schedules?q=NIGHT&state=active,paused&limit=5`,
      role: 'read',
      status: 200,
      check: (b) => expect(items(b).map((s) => s['name'])).toEqual(['nightly']),
    }),
    bad: () => ({ method: 'GET', url: `${V}/schedules?limit=501`, field: 'limit' }),
  },
  {
    route: 'POST /schedules',
    happy: () => ({
      method: 'POST',
      url: `${V}/schedules`,
      payload: {
        ...scheduleInput('weekly'),
        startAt: '2030-01-01T00:00:00Z',
        policies: { retry: { kind: 'fixed', maxAttempts: 3 } },
      },
      role: 'admin',
      status: 201,
      check: (b) =>
        expect([(b as Obj)['name'], (b as Obj)['startAt'], (b as Obj)['state']]).toEqual([
          'weekly',
          '2030-01-01T00:00:00.000Z',
          'active',
        ]),
    }),
    bad: () => ({
      method: 'POST',
      url: `${V}/schedules`,
      payload: { ...scheduleInput('weekly'), colour: 'blue' },
      field: 'colour',
    }),
  },
  {
    route: 'POST /schedules/apply',
    happy: () => ({
      method: 'POST',
      url: `${V}/schedules/apply`,
      payload: { schedules: [scheduleInput('nightly'), scheduleInput('weekly')] },
      role: 'admin',
      status: 200,
      check: (b) =>
        expect(items(b)).toEqual([
          { name: 'nightly', action: 'unchanged' },
          { name: 'weekly', action: 'created' },
        ]),
    }),
    bad: () => ({
      method: 'POST',
      url: `${V}/schedules/apply`,
      payload: { schedules: [scheduleInput('a'), { name: 'b', trigger: { kind: 'once', at: 1 } }] },
      field: 'schedules[1].executor',
    }),
    also: [
      {
        title: 'dryRun answers what it would do and writes nothing',
        request: async () => ({
          method: 'POST',
          url: `${V}/schedules/apply`,
          payload: { schedules: [{ ...scheduleInput('weekly'), payload: { n: 1 } }], prune: true, dryRun: true },
          role: 'admin',
          status: 200,
          check: async (b, { client }) => {
            expect(items(b)).toEqual([
              { name: 'weekly', action: 'created' },
              { name: 'nightly', action: 'deleted' },
            ]);
            expect((await client.pageSchedules()).items.map((s) => s.name)).toEqual(['nightly']);
          },
        }),
      },
    ],
  },
  {
    route: 'GET /schedules/:idOrName',
    happy: (f) => ({
      method: 'GET',
      url: `${V}/schedules/NIGHTLY`,
      role: 'read',
      status: 200,
      check: (b) => expect((b as Obj)['id']).toBe(f.schedule.id),
    }),
    bad: () => ({ method: 'GET', url: `${V}/schedules/${LONG}`, field: 'idOrName' }),
  },
  {
    route: 'PATCH /schedules/:idOrName',
    happy: (f) => ({
      method: 'PATCH',
      url: `${V}/schedules/${f.schedule.id}`,
      payload: { payload: { n: 2 }, endAt: null },
      role: 'admin',
      status: 200,
      check: (b) => expect((b as Obj)['payload']).toEqual({ n: 2 }),
    }),
    bad: () => ({
      method: 'PATCH',
      url: `${V}/schedules/nightly`,
      payload: { trigger: { kind: 'interval', everyMs: 0 } },
      field: 'trigger.everyMs',
    }),
  },
  {
    route: 'DELETE /schedules/:idOrName',
    happy: () => ({
      method: 'DELETE',
      url: `${V}/schedules/nightly`,
      role: 'admin',
      status: 204,
      check: async (_b, _f, { client }) => expect((await client.pageSchedules()).items).toEqual([]),
    }),
    bad: () => ({ method: 'DELETE', url: `${V}/schedules/${LONG}`, field: 'idOrName' }),
  },
  {
    route: 'POST /schedules/:idOrName/pause',
    happy: () => ({
      method: 'POST',
      url: `${V}/schedules/nightly/pause`,
      role: 'operate',
      status: 200,
      check: (b) => expect((b as Obj)['state']).toBe('paused'),
    }),
    bad: () => ({ method: 'POST', url: `${V}/schedules/${LONG}/pause`, field: 'idOrName' }),
  },
  {
    route: 'POST /schedules/:idOrName/resume',
    happy: () => ({
      method: 'POST',
      url: `${V}/schedules/nightly/resume`,
      role: 'operate',
      status: 200,
      check: (b) => expect((b as Obj)['state']).toBe('active'),
    }),
    bad: () => ({ method: 'POST', url: `${V}/schedules/nightly/resume?force=1`, field: 'force' }),
  },
  {
    route: 'POST /schedules/:idOrName/retire',
    happy: () => ({
      method: 'POST',
      url: `${V}/schedules/nightly/retire`,
      role: 'admin',
      status: 200,
      check: (b) => expect((b as Obj)['state']).toBe('retired'),
    }),
    bad: () => ({ method: 'POST', url: `${V}/schedules/${LONG}/retire`, field: 'idOrName' }),
  },
  {
    route: 'POST /schedules/:idOrName/run',
    happy: (f) => ({
      method: 'POST',
      url: `${V}/schedules/nightly/run`,
      payload: { payload: { once: true } },
      role: 'operate',
      status: 201,
      check: async (b, _f, { client }) => {
        const t = b as Obj;
        expect([t['scheduleId'], t['origin'], t['state'], t['payload']]).toEqual([
          f.schedule.id,
          'manual',
          'pending',
          { once: true },
        ]);
        expect((await client.getSchedule(f.schedule.id)).nextFireAt).toBe(f.schedule.nextFireAt);
      },
    }),
    bad: () => ({ method: 'POST', url: `${V}/schedules/nightly/run`, payload: { colour: 'blue' }, field: 'colour' }),
    also: [
      {
        title: "without a body, a run with the schedule's payload",
        request: async (f) => ({
          method: 'POST',
          url: `${V}/schedules/${f.schedule.id}/run`,
          role: 'operate',
          status: 201,
          check: (b) => expect([(b as Obj)['origin'], (b as Obj)['payload']]).toEqual(['manual', f.schedule.payload]),
        }),
      },
      {
        title: '409 on state for a retired schedule, nothing written',
        request: async (_f, { client }) => {
          await client.retireSchedule('nightly');
          return {
            method: 'POST',
            url: `${V}/schedules/nightly/run`,
            role: 'operate',
            status: 409,
            check: async (b) => {
              conflictOn('state')(b);
              expect(
                (await client.pageTasks({ schedule: 'nightly' })).items.filter((t) => t.origin === 'manual'),
              ).toEqual([]);
            },
          };
        },
      },
    ],
  },
  {
    route: 'GET /schedules/:idOrName/preview',
    happy: () => ({
      method: 'GET',
      url: `${V}/schedules/nightly/preview?count=3`,
      role: 'read',
      status: 200,
      check: (b) => expect((b as { fireTimes: string[] }).fireTimes).toHaveLength(3),
    }),
    bad: () => ({ method: 'GET', url: `${V}/schedules/nightly/preview?count=0`, field: 'count' }),
  },
  {
    route: 'GET /schedules/:idOrName/occurrences',
    happy: (f) => ({
      method: 'GET',
      url: `${V}/schedules/nightly/occurrences?limit=2`,
      role: 'read',
      status: 200,
      check: (b) => {
        expect(items(b).map((t) => t['id'])).toEqual([f.ledger[2]?.id, f.ledger[1]?.id]);
        expect((b as { nextCursor: unknown }).nextCursor).toEqual(expect.any(String));
      },
    }),
    bad: () => ({ method: 'GET', url: `${V}/schedules/nightly/occurrences?state=done`, field: 'state' }),
  },
  {
    route: 'POST /jobs',
    happy: () => ({
      method: 'POST',
      url: `${V}/jobs`,
      payload: { executor: 'noop', key: 'k-1', runAt: '2030-01-01T00:00:00Z' },
      role: 'operate',
      status: 201,
      check: (b) => expect((b as Obj)['created']).toBe(true),
    }),
    bad: () => ({ method: 'POST', url: `${V}/jobs`, payload: { executor: 'noop', runAt: true }, field: 'runAt' }),
  },
  {
    route: 'GET /tasks',
    happy: (f) => ({
      method: 'GET',
      url: `${V}/tasks?executor=noop&state=pending&limit=10`,
      role: 'read',
      status: 200,
      check: (b) => expect(items(b)[0]?.['id']).toBe(f.job.id),
    }),
    bad: () => ({ method: 'GET', url: `${V}/tasks?cursor=not-a-cursor`, field: 'cursor' }),
    also: [
      {
        title: 'kind=job lists only the tasks with no schedule',
        request: async (f) => ({
          method: 'GET',
          url: `${V}/tasks?kind=job`,
          role: 'read',
          status: 200,
          check: (b) => expect(items(b).map((t) => t['id'])).toEqual([f.job.id]),
        }),
      },
      {
        title: 'kind=job with a schedule is a 400 naming kind',
        request: async () => ({
          method: 'GET',
          url: `${V}/tasks?kind=job&schedule=nightly`,
          role: 'read',
          status: 400,
          check: (b) => expect(b).toMatchObject({ error: { code: 'validation', field: 'kind' } }),
        }),
      },
    ],
  },
  {
    route: 'GET /tasks/:id',
    happy: (f) => ({
      method: 'GET',
      url: `${V}/tasks/${f.ledger[0]?.id ?? ''}`,
      role: 'read',
      status: 200,
      check: (b) =>
        expect((b as { events: Obj[] }).events.map((e) => [e['from'], e['to']])).toEqual([
          [null, 'pending'],
          ['pending', 'cancelled'],
        ]),
    }),
    bad: () => ({ method: 'GET', url: `${V}/tasks/${LONG}`, field: 'id' }),
  },
  {
    route: 'POST /tasks/:id/cancel',
    happy: (f) => ({
      method: 'POST',
      url: `${V}/tasks/${f.job.id}/cancel`,
      payload: { reason: 'not needed' },
      role: 'operate',
      status: 200,
      check: (b) => expect((b as Obj)['state']).toBe('cancelled'),
    }),
    bad: (f) => ({ method: 'POST', url: `${V}/tasks/${f.job.id}/cancel`, payload: { reason: 5 }, field: 'reason' }),
  },
  {
    route: 'POST /tasks/:id/retry',
    happy: (f) => ({
      method: 'POST',
      url: `${V}/tasks/${f.ledger[0]?.id ?? ''}/retry`,
      role: 'operate',
      status: 200,
      check: (b) =>
        expect([(b as Obj)['id'], (b as Obj)['state'], (b as Obj)['deadlineAt']]).toEqual([
          f.ledger[0]?.id,
          'pending',
          null,
        ]),
    }),
    bad: () => ({ method: 'POST', url: `${V}/tasks/${LONG}/retry`, field: 'id' }),
    also: [
      {
        title: '409 on state for a pending task',
        request: async (f) => ({
          method: 'POST',
          url: `${V}/tasks/${f.job.id}/retry`,
          role: 'operate',
          status: 409,
          check: conflictOn('state'),
        }),
      },
      {
        title: '409 on key while another live task holds it, nothing written',
        request: async (_f, { client }) => {
          // a keyed job ends without completing; another job then takes its key
          const { task: keyed } = await client.enqueue({ executor: 'noop', key: 'k-held' });
          await client.cancelTask(keyed.id, 'fixture');
          await client.enqueue({ executor: 'noop', key: 'k-held' });
          return {
            method: 'POST',
            url: `${V}/tasks/${keyed.id}/retry`,
            role: 'operate',
            status: 409,
            check: async (b) => {
              conflictOn('key')(b);
              expect((await client.getTask(keyed.id)).state).toBe('cancelled');
            },
          };
        },
      },
    ],
  },
  {
    route: 'GET /tasks/:id/logs',
    happy: (f) => ({
      method: 'GET',
      url: `${V}/tasks/${f.job.id}/logs?limit=1`,
      role: 'read',
      status: 200,
      check: (b) => {
        const page = b as { items: Obj[]; next: number };
        expect(page.items.map((l) => l['line'])).toEqual(['first line']);
        expect(page.next).toBe(page.items[0]?.['seq']);
      },
    }),
    bad: (f) => ({ method: 'GET', url: `${V}/tasks/${f.job.id}/logs?after=-1`, field: 'after' }),
  },
  {
    route: 'GET /tasks/:id/logs/stream',
    happy: (f) => ({
      method: 'GET',
      url: `${V}/tasks/${f.ledger[0]?.id ?? ''}/logs/stream`,
      role: 'read',
      status: 200,
      check: (b) => {
        const text = String(b);
        expect(text).toMatch(/event: log\ndata: \{[^\n]*"line":"ledger line"/);
        expect(text).toMatch(/event: end\ndata: \{"state":"cancelled","next":\d+\}\n\n$/);
      },
    }),
    bad: (f) => ({ method: 'GET', url: `${V}/tasks/${f.job.id}/logs/stream?after=last`, field: 'after' }),
  },
];
