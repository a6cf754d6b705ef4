import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RookeryClient } from '@rookery/core';
import { createSqlDatastore, type SqlDatastore } from '@rookery/datastore-sql';
import { startApiServer, type RunningApiServer } from '@rookery/server';
import type { TestDialect } from '../../packages/datastore-sql/test/helpers/test-databases.js';
import { startNode, stopNode, waitUntil, type ClusterNode } from './cluster.js';

/** The executors of the dashboard test: `chatty` (a log line every 300 ms), `quick`, `flaky`. */
export const DASHBOARD_FUNCTIONS = resolve(
  fileURLToPath(new URL('.', import.meta.url)),
  '../fixtures/dashboard-functions.mjs',
);

/** The tokens the dashboard's test server accepts, one per role. */
export const DASHBOARD_TOKENS = {
  admin: 'admin-7f3c9d2e41b8a6',
  operate: 'operate-5b1e8c7a93d2f4',
  read: 'read-2c8e4f1a7d9b63',
} as const;

/** One `rookery node`, a client and the HTTP API with the dashboard, on a fresh database. */
export interface DashboardCluster {
  /** The dashboard's URL (`http://127.0.0.1:PORT/`). */
  url: string;
  /** The node process. */
  node: ClusterNode;
  /** The test's own datastore. */
  store: SqlDatastore;
  /** A client on it. */
  client: RookeryClient;
  /** Stops the server and the node, drops the database. */
  dispose(): Promise<void>;
}

/** Starts a node running the dashboard executors and the API server with the dashboard on a fresh database of `dialect`. */
export async function startDashboardCluster(dialect: TestDialect): Promise<DashboardCluster> {
  const db = await dialect.create();
  const dir = await mkdtemp(join(tmpdir(), 'rookery-dashboard-'));
  const store = await createSqlDatastore({ url: db.url });
  const client = new RookeryClient({ datastore: store });
  const node = startNode(
    {
      db: db.url,
      ids: ['web-1'],
      executors: [DASHBOARD_FUNCTIONS],
      history: join(dir, 'history.jsonl'),
      leaseMs: 3_000,
      concurrency: 6,
    },
    'web-1',
  );
  let server: RunningApiServer | undefined;
  const dispose = async (): Promise<void> => {
    await server?.close();
    await stopNode(node);
    await store.close();
    await rm(dir, { recursive: true, force: true });
    await db.drop();
  };
  try {
    server = await startApiServer({
      client,
      host: '127.0.0.1',
      port: 0,
      // a log stream looks for new lines 4 times a second (the default is once a second)
      logPollMs: 250,
      tokens: [
        { role: 'admin', token: DASHBOARD_TOKENS.admin },
        { role: 'operate', token: DASHBOARD_TOKENS.operate },
        { role: 'read', token: DASHBOARD_TOKENS.read },
      ],
    });
    await waitUntil(async () => (await store.nodeList()).length === 1, 20_000, 'the node to register');
    return { url: `${server.url}/`, node, store, client, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
