import type { Datastore } from '@rookery/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { API_ROUTES, ROLES, type Role } from '../../src/index.js';
import { seedFixture, type ApiFixture } from './api-fixtures.js';
import { apiServer, call, DialectStore, expectMatches, routeDialects } from './api-harness.js';
import { ROUTE_CASES } from './route-cases.js';

// Every route of the API, on SQLite and PostgreSQL: its happy path (the answer checked against
// the route's response schema), its further cases (conflicts, options), a 400 naming the field, 401 without or with an unknown token,
// and 403 for each role below the one it needs.

const routeKey = (r: { method: string; url: string }): string => `${r.method} ${r.url}`;

describe('route cases', () => {
  it('cover every route of the API exactly once', () => {
    expect(ROUTE_CASES.map((c) => c.route).sort()).toEqual(API_ROUTES.map(routeKey).sort());
  });
});

for (const dialect of await routeDialects()) {
  describe.skipIf(!dialect.available)(`API routes on ${dialect.label}`, () => {
    const db = new DialectStore(dialect);
    let store: Datastore;
    let server: Awaited<ReturnType<typeof apiServer>>;
    let fixture: ApiFixture;

    beforeAll(() => db.create());
    afterAll(() => db.drop());
    beforeEach(async () => {
      store = await db.open();
      server = await apiServer(store);
      await store.nodeRegister({ id: 'node-1', host: 'host-1', pid: 1, executors: ['noop'], clockOffsetMs: 3 });
      fixture = await seedFixture(server.client, store);
    });
    afterEach(async () => {
      await server.app.close();
      await db.close();
      expect(server.errors).toEqual([]);
    });

    for (const c of ROUTE_CASES) {
      const route = API_ROUTES.find((r) => routeKey(r) === c.route);
      if (!route) throw new Error(`no route ${c.route}`);
      const needed: Role = route.role ?? 'read';

      it(`${c.route}: happy path`, async () => {
        const { role, status, check, ...request } = c.happy(fixture);
        const answer = await call(server.app, { ...request, role });
        expect(answer.status, answer.text).toBe(status);
        if (route.schemas.response) expectMatches(route.schemas.response, answer.body, c.route);
        await check?.(answer.body, fixture, { client: server.client, store });
      });

      for (const also of c.also ?? []) {
        it(`${c.route}: ${also.title}`, async () => {
          const deps = { client: server.client, store };
          const { role, status, check, ...request } = await also.request(fixture, deps);
          const answer = await call(server.app, { ...request, role });
          expect(answer.status, answer.text).toBe(status);
          if (status < 300 && route.schemas.response) expectMatches(route.schemas.response, answer.body, c.route);
          await check(answer.body, deps);
        });
      }

      it(`${c.route}: 400 naming the field`, async () => {
        const { field, ...request } = c.bad(fixture);
        const answer = await call(server.app, { ...request, role: 'admin' });
        expect(answer.status, answer.text).toBe(400);
        expect(answer.body).toMatchObject({ error: { code: 'validation', field } });
      });

      it(`${c.route}: 401 without a token or with an unknown one`, async () => {
        const { method, url, payload } = c.happy(fixture);
        for (const headers of [
          {},
          { authorization: 'Bearer not-a-known-token-at-all' },
          { authorization: 'Basic YWRtaW46YWRtaW4=' },
        ]) {
          const answer = await call(server.app, {
            method,
            url,
            headers,
            ...(payload !== undefined ? { payload } : {}),
          });
          expect(answer.status, answer.text).toBe(401);
          expect(answer.body).toMatchObject({ error: { code: 'unauthorized' } });
        }
      });

      // a read route has no weaker role to refuse: every token may read
      const weaker = ROLES.slice(0, ROLES.indexOf(needed));
      if (weaker.length > 0)
        it(`${c.route}: 403 for ${weaker.join(' and ')} (needs ${needed})`, async () => {
          const { method, url, payload } = c.happy(fixture);
          for (const role of weaker) {
            const answer = await call(server.app, { method, url, role, ...(payload !== undefined ? { payload } : {}) });
            expect(answer.status, answer.text).toBe(403);
            expect(answer.body).toEqual({
              error: { code: 'forbidden', message: expect.any(String), required: needed },
            });
          }
        });
    }
  });
}
