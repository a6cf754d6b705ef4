import { afterAll, describe, expect, it } from 'vitest';
import { RookeryNode } from '@rookery/core';
import { createSqlDatastore } from '@rookery/datastore-sql';
import { WorkerPool } from '@rookery/executor';
import { createEventBus } from '@rookery/messaging';
import { postgresDialect, type TestDatabase } from '../../datastore-sql/test/helpers/test-databases.js';
import { createHealth, startProbeServer, type HealthReport } from '../src/index.js';
import { startTcpProxy } from './helpers/tcp-proxy.js';

const postgres = await postgresDialect();

/** Asks `url` until it answers `status` (the database's state changes asynchronously for the pool), at most `tries` times. */
async function untilStatus(url: string, status: number, tries = 100): Promise<HealthReport> {
  let last = '';
  for (let i = 0; i < tries; i += 1) {
    const response = await fetch(url);
    const body = (await response.json()) as HealthReport;
    if (response.status === status) return body;
    last = `${response.status} ${JSON.stringify(body)}`;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered ${status}; last: ${last}`);
}

describe('readiness on postgres', () => {
  let db: TestDatabase | undefined;
  afterAll(async () => {
    await db?.drop();
  });

  it.skipIf(!postgres.available)(
    '/readyz turns 503 when the database is unreachable and 200 when it is back; /healthz stays 200',
    async () => {
      db = await postgres.create();
      const target = new URL(db.url);
      const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
      const viaProxy = new URL(db.url);
      viaProxy.port = String(proxy.port);
      const store = await createSqlDatastore({ url: viaProxy.toString() });
      const events = createEventBus();
      const errors: string[] = [];
      events.on('generalError', (_e, context) => errors.push(context.source));
      const node = new RookeryNode({
        datastore: store,
        events,
        pool: new WorkerPool({ concurrency: 1 }),
        id: 'ready-node',
        executors: [],
        pollWaitsMs: [50],
      });
      const server = await startProbeServer({
        port: 0,
        health: createHealth({
          node,
          datastore: store,
          databaseTimeoutMs: 1_000,
          schemaProblem: async () => ((await store.migrationStatus()).pending.length > 0 ? 'pending' : null),
        }),
        onError: (e) => events.emit('generalError', e, { nodeId: node.id, source: 'http' }),
      });
      const base = `http://127.0.0.1:${server.port}`;
      try {
        const before = await fetch(`${base}/readyz`);
        expect(before.status).toBe(503);
        expect(((await before.json()) as HealthReport).checks.find((c) => c.name === 'running')?.ok).toBe(false);
        await node.start();
        const up = await untilStatus(`${base}/readyz`, 200);
        expect(up.checks.map((c) => [c.name, c.ok])).toEqual([
          ['running', true],
          ['database', true],
          ['schema', true],
          ['clock', true],
        ]);

        await proxy.cut();
        const down = await untilStatus(`${base}/readyz`, 503);
        expect(down.checks.find((c) => c.name === 'database')?.ok).toBe(false);
        expect((await fetch(`${base}/healthz`)).status).toBe(200);

        await proxy.restore();
        const back = await untilStatus(`${base}/readyz`, 200);
        expect(back.ok).toBe(true);
        expect(errors.filter((s) => s === 'http')).toEqual([]);
      } finally {
        await node.stop({ graceMs: 1_000 });
        await server.close();
        await store.close();
        await proxy.close();
      }
    },
  );
});
