import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { MemoryDatastore, RookeryClient, ValidationError } from '@rookery/core';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createApiServer, Registry, rookeryApi, startApiServer } from '../../src/index.js';
import { apiServer, bearer, call, TOKENS } from './api-harness.js';

// Malformed requests on the in-memory store (the route suites cover each route on SQLite and
// PostgreSQL): each is a 400 naming the field, never a 500.

const schedule = { name: 'nightly', executor: 'noop', trigger: { kind: 'interval' as const, everyMs: 60_000 } };

describe('malformed requests', () => {
  it('answer 400 naming the field, never 500', async () => {
    const { app, errors } = await apiServer(new MemoryDatastore());
    const post = (payload: string | object, headers: Record<string, string> = {}) =>
      call(app, { method: 'POST', url: '/api/v1/schedules', role: 'admin', payload, headers });
    const cases: [Promise<Awaited<ReturnType<typeof call>>>, number, string][] = [
      [post('{"name": "x", ', { 'content-type': 'application/json' }), 400, 'body'],
      [post('[1, 2]', { 'content-type': 'application/json' }), 400, 'body'],
      [post('name=x', { 'content-type': 'text/plain' }), 400, 'body'],
      [post('<schedule/>', { 'content-type': 'application/xml' }), 415, 'body'],
      [post({ ...schedule, policies: { retry: { kind: 'fixed', tries: 3 } } }), 400, 'policies.retry.tries'],
      [post({ ...schedule, policies: { duplicate: 'sometimes' } }), 400, 'policies.duplicate'],
      [post({ ...schedule, name: 'n'.repeat(201) }), 400, 'name'],
      [post({ ...schedule, name: 7 }), 400, 'name'],
      [post({ ...schedule, trigger: { kind: 'cron', expr: '61 * * * *' } }), 400, 'trigger.expr'],
      [post({ ...schedule, trigger: { kind: 'cron', expr: '0 * * * *', tz: 'Mars/Olympus' } }), 400, 'trigger.tz'],
      [post({ ...schedule, executor: 'nobody-offers-this' }), 400, 'executor'],
      [post({ executor: 'noop', trigger: schedule.trigger }), 400, 'name'],
      [
        call(app, {
          method: 'POST',
          url: '/api/v1/jobs',
          role: 'admin',
          payload: { executor: 'noop', payload: { big: 'x'.repeat(70_000) } },
        }),
        400,
        'payload',
      ],
      [
        call(app, {
          method: 'POST',
          url: '/api/v1/schedules/apply',
          role: 'admin',
          payload: { schedules: [schedule, schedule] },
        }),
        400,
        '[1].name',
      ],
      [call(app, { method: 'GET', url: '/api/v1/schedules?limit=abc', role: 'read' }), 400, 'limit'],
      [call(app, { method: 'GET', url: '/api/v1/schedules?limit=2.5', role: 'read' }), 400, 'limit'],
      [call(app, { method: 'GET', url: '/api/v1/schedules?state=', role: 'read' }), 400, 'state'],
      [
        call(app, {
          method: 'GET',
          url: `/api/v1/schedules?cursor=${Buffer.from('{"f":1,"i":"t"}').toString('base64url')}`,
          role: 'read',
        }),
        400,
        'cursor',
      ],
      [call(app, { method: 'GET', url: '/api/v1/tasks?sort=asc', role: 'read' }), 400, 'sort'],
      [call(app, { method: 'GET', url: '/api/v1/tasks?state=pending,finished', role: 'read' }), 400, 'state'],
    ];
    for (const [answer, status, field] of cases) {
      const { status: got, body, text } = await answer;
      expect(got, text).toBe(status);
      expect(body, text).toMatchObject({ error: { code: 'validation', field } });
    }
    expect(errors).toEqual([]);
    await app.close();
  });

  it('answers 409 for a taken name and for a change the state forbids, 404 for an unknown schedule or task', async () => {
    const { app, client } = await apiServer(new MemoryDatastore());
    await client.createSchedule(schedule);
    await client.retireSchedule('nightly');
    const taken = await call(app, {
      method: 'POST',
      url: '/api/v1/schedules',
      role: 'admin',
      payload: { ...schedule, name: 'NIGHTLY' },
    });
    expect([taken.status, taken.body]).toEqual([
      409,
      { error: { code: 'conflict', field: 'name', message: expect.any(String) } },
    ]);
    const retired = await call(app, { method: 'POST', url: '/api/v1/schedules/nightly/pause', role: 'operate' });
    expect([retired.status, retired.body]).toEqual([
      409,
      { error: { code: 'conflict', field: 'state', message: expect.stringContaining('retired') } },
    ]);
    for (const url of [
      '/api/v1/schedules/none',
      '/api/v1/schedules/none/occurrences',
      '/api/v1/tasks/none',
      '/api/v1/tasks/none/logs',
      '/api/v1/tasks?schedule=none',
    ]) {
      const missing = await call(app, { method: 'GET', url, role: 'read' });
      expect([url, missing.status, missing.body]).toEqual([
        url,
        404,
        { error: { code: 'not_found', message: expect.any(String) } },
      ]);
    }
    await app.close();
  });
});

describe('auth configuration', () => {
  it('refuses to build a server with no token unless insecureNoAuth, which serves everyone as admin', async () => {
    const client = new RookeryClient({ datastore: new MemoryDatastore() });
    await expect(createApiServer({ client, tokens: [] })).rejects.toMatchObject({ field: 'tokens' });
    await expect(createApiServer({ client, tokens: [] })).rejects.toBeInstanceOf(ValidationError);
    const open = await createApiServer({ client, insecureNoAuth: true });
    expect((await call(open, { method: 'GET', url: '/api/v1/whoami' })).body).toEqual({ role: 'admin' });
    await open.close();
    await expect(startApiServer({ client, insecureNoAuth: true, port: 0, host: '0.0.0.0' })).rejects.toMatchObject({
      field: 'host',
    });
    const local = await startApiServer({ client, insecureNoAuth: true, port: 0, host: '::1' });
    expect(local.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
    expect((await fetch(`${local.url}/api/v1/whoami`)).status).toBe(200);
    await local.close();
  });

  it('never logs a token: the Authorization header is redacted from every log line', async () => {
    let logged = '';
    const stream = new Writable({ write: (chunk: Buffer, _enc, done) => ((logged += chunk.toString()), done()) });
    const { app } = await apiServer(new MemoryDatastore(), {
      logger: {
        level: 'trace',
        stream,
        serializers: { req: (req: { headers: unknown }) => ({ headers: req.headers }) },
      },
    });
    await call(app, { method: 'GET', url: '/api/v1/whoami', role: 'admin' });
    await call(app, {
      method: 'GET',
      url: '/api/v1/whoami',
      headers: { authorization: 'Bearer unknown-token-that-is-long' },
    });
    await app.close();
    expect(logged).toContain('[redacted]');
    expect(logged).not.toContain(TOKENS.admin);
    expect(logged).not.toContain('unknown-token-that-is-long');
  });
});

describe('embedding', () => {
  it('mounts in your own fastify app under a prefix of its choice, with its OpenAPI paths under that prefix', async () => {
    const app = Fastify();
    app.get('/', async () => ({ mine: true }));
    await app.register(rookeryApi, {
      prefix: '/ops/rookery',
      client: new RookeryClient({ datastore: new MemoryDatastore() }),
      tokens: [{ role: 'read', token: TOKENS.read }],
    });
    expect((await call(app, { method: 'GET', url: '/' })).body).toEqual({ mine: true });
    expect((await call(app, { method: 'GET', url: '/ops/rookery/whoami', role: 'read' })).body).toEqual({
      role: 'read',
    });
    const doc = (await call(app, { method: 'GET', url: '/ops/rookery/openapi.json' })).body as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toContain('/ops/rookery/schedules/{idOrName}/occurrences');
    await app.close();
  });

  it('answers from a plain Node request handler (as an express app would mount it) through fastify.routing', async () => {
    const api = await createApiServer({
      client: new RookeryClient({ datastore: new MemoryDatastore() }),
      tokens: [{ role: 'read', token: TOKENS.read }],
    });
    await api.ready();
    const host = createServer((req, res) => {
      if (req.url?.startsWith('/api/')) api.routing(req, res);
      else res.writeHead(200).end('host app');
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
    try {
      expect(await (await fetch(`${base}/`)).text()).toBe('host app');
      const whoami = await fetch(`${base}/api/v1/whoami`, { headers: bearer('read') });
      expect([whoami.status, await whoami.json()]).toEqual([200, { role: 'read' }]);
    } finally {
      host.closeAllConnections();
      await new Promise((resolve) => host.close(resolve));
      await api.close();
    }
  });
});

describe('requests without a body', () => {
  it('an action with no body, or an empty one under application/json, is answered as if it had none', async () => {
    const { app, client } = await apiServer(new MemoryDatastore());
    await client.createSchedule(schedule);
    const { task } = await client.enqueue({ executor: 'noop' });
    const paused = await call(app, {
      method: 'POST',
      url: '/api/v1/schedules/nightly/pause',
      role: 'operate',
      headers: { 'content-type': 'application/json' },
    });
    expect([paused.status, (paused.body as { state: string }).state]).toEqual([200, 'paused']);
    const cancelled = await call(app, { method: 'POST', url: `/api/v1/tasks/${task.id}/cancel`, role: 'operate' });
    expect([cancelled.status, (cancelled.body as { state: string; reason: string }).reason]).toEqual([
      200,
      'cancelled through the HTTP API',
    ]);
    await app.close();
  });
});

describe('request metrics', () => {
  it('observe each answered request by method, route pattern and status in the registry served at /metrics', async () => {
    const registry = new Registry();
    const store = new MemoryDatastore();
    const { app, client } = await apiServer(store, { registry });
    const { task } = await client.enqueue({ executor: 'noop' });
    await client.cancelTask(task.id);
    await call(app, { method: 'GET', url: '/api/v1/whoami', role: 'read' });
    await call(app, { method: 'GET', url: `/api/v1/tasks/${task.id}`, role: 'read' });
    await call(app, { method: 'GET', url: '/api/v1/whoami' });
    await call(app, { method: 'GET', url: '/api/v1/no-such-route', role: 'read' });
    await call(app, { method: 'GET', url: `/api/v1/tasks/${task.id}/logs/stream`, role: 'read' });
    const text = (await call(app, { method: 'GET', url: '/metrics' })).text;
    await app.close();
    const count = (labels: string): string | undefined =>
      new RegExp(`^rookery_api_request_seconds_count\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1];
    expect(count('method="GET",route="/api/v1/whoami",status="200"')).toBe('1');
    expect(count('method="GET",route="/api/v1/whoami",status="401"')).toBe('1');
    expect(count('method="GET",route="/api/v1/tasks/:id",status="200"')).toBe('1');
    expect(count('method="GET",route="unmatched",status="404"')).toBe('1');
    expect(count('method="GET",route="/api/v1/tasks/:id/logs/stream",status="200"')).toBe('1');
  });
});
