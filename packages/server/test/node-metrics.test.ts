import { afterAll, describe, expect, it } from 'vitest';
import { RookeryClient, RookeryNode } from '@rookery/core';
import { createSqlDatastore } from '@rookery/datastore-sql';
import { functionExecutors, WorkerPool } from '@rookery/executor';
import { createEventBus, waitFor } from '@rookery/messaging';
import { testDialects, type TestDatabase } from '../../datastore-sql/test/helpers/test-databases.js';
import { createHealth, createNodeMetrics, Registry, startProbeServer, timedDatastore } from '../src/index.js';
import { parsePrometheusText, sampleValue } from './helpers/prometheus-text.js';

const dialects = (await testDialects()).filter((d) => d.label === 'sqlite' || d.label === 'postgres');
const TASKS = 5;

describe.each(dialects)('node metrics on $label', (dialect) => {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    for (const db of databases) await db.drop();
  });

  it.skipIf(!dialect.available)(
    'after tasks ran, /metrics parses and counts them in the lateness histogram and by executor',
    async () => {
      const db = await dialect.create();
      databases.push(db);
      const store = await createSqlDatastore({ url: db.url });
      const events = createEventBus();
      const registry = new Registry();
      const datastore = timedDatastore(store, registry);
      const pool = new WorkerPool({ concurrency: 3 });
      const node = new RookeryNode({
        datastore,
        events,
        pool,
        id: 'metrics-node',
        pollWaitsMs: [50],
        executors: functionExecutors({
          quick: async () => 'done',
          broken: async () => Promise.reject(new Error('always fails')),
        }),
      });
      createNodeMetrics({
        events,
        node,
        pool,
        registry,
        backlog: { datastore: store, dbNow: () => node.dbNow(), events, nodeId: node.id },
      });
      const server = await startProbeServer({
        port: 0,
        registry,
        health: createHealth({ node, datastore: store }),
        onError: (e) => events.emit('generalError', e, { nodeId: node.id, source: 'http' }),
      });
      const errors: Error[] = [];
      events.on('generalError', (e) => errors.push(e));
      try {
        let completed = 0;
        const allCompleted = new Promise<void>((resolve) =>
          events.on('taskCompleted', () => {
            completed += 1;
            if (completed === TASKS) resolve();
          }),
        );
        const failed = waitFor(events, 'taskFailed', undefined, 20_000);
        await node.start();
        const client = new RookeryClient({ datastore: store, events });
        const at = (await store.clockNow()) + 20;
        for (let i = 0; i < TASKS; i += 1)
          await client.createSchedule({ name: `q${i}`, executor: 'quick', trigger: { kind: 'once', at } });
        await client.createSchedule({ name: 'b', executor: 'broken', trigger: { kind: 'once', at } });
        await allCompleted;
        await failed;

        const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toContain('text/plain');
        const { samples, types } = parsePrometheusText(await response.text());
        expect(types.get('rookery_task_start_lateness_seconds')).toBe('histogram');
        const quick = { executor: 'quick', node: 'metrics-node' };
        expect(sampleValue(samples, 'rookery_tasks_started_total', quick)).toBe(TASKS);
        expect(sampleValue(samples, 'rookery_tasks_completed_total', quick)).toBe(TASKS);
        expect(sampleValue(samples, 'rookery_tasks_failed_total', { executor: 'broken' })).toBe(1);
        expect(sampleValue(samples, 'rookery_task_start_lateness_seconds_count', quick)).toBe(TASKS);
        expect(sampleValue(samples, 'rookery_task_start_lateness_seconds_bucket', { ...quick, le: '+Inf' })).toBe(
          TASKS,
        );
        expect(
          sampleValue(samples, 'rookery_task_run_duration_seconds_count', { ...quick, outcome: 'completed' }),
        ).toBe(TASKS);
        expect(
          sampleValue(samples, 'rookery_task_run_duration_seconds_count', { executor: 'broken', outcome: 'failed' }),
        ).toBe(1);
        expect(sampleValue(samples, 'rookery_pool_size')).toBe(3);
        expect(sampleValue(samples, 'rookery_tasks_due_backlog')).toBe(0);
        expect(
          sampleValue(samples, 'rookery_db_operation_seconds_count', { operation: 'taskClaimDue', outcome: 'ok' }),
        ).toBeGreaterThan(0);
        expect(Math.abs(sampleValue(samples, 'rookery_clock_offset_seconds'))).toBeLessThan(5);

        const live = await fetch(`http://127.0.0.1:${server.port}/healthz`);
        expect(live.status).toBe(200);
        const ready = await fetch(`http://127.0.0.1:${server.port}/readyz`);
        expect(ready.status, await ready.clone().text()).toBe(200);
        expect(((await ready.json()) as { checks: { name: string }[] }).checks.map((c) => c.name)).toEqual([
          'running',
          'database',
          'clock',
        ]);
        expect((await fetch(`http://127.0.0.1:${server.port}/nothing`)).status).toBe(404);
        expect(errors).toEqual([]);
      } finally {
        await node.stop({ graceMs: 5_000 });
        await server.close();
        await store.close();
      }
    },
  );
});

describe('site/grafana-dashboard.json', () => {
  it('queries only metrics a node exports', async () => {
    const { readFile } = await import('node:fs/promises');
    const dashboard = JSON.parse(
      await readFile(new URL('../../../site/grafana-dashboard.json', import.meta.url), 'utf8'),
    ) as { panels: { targets: { expr: string }[] }[] };
    const registry = new Registry();
    const events = createEventBus();
    const store = await createSqlDatastore({ url: 'sqlite::memory:' });
    try {
      createNodeMetrics({
        events,
        node: { id: 'n', runningCount: 0, clockOffset: 0 },
        pool: new WorkerPool({ concurrency: 1 }),
        registry,
        backlog: { datastore: store, dbNow: () => 0, events, nodeId: 'n' },
      });
      timedDatastore(store, registry);
      const exported = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
      const queried = dashboard.panels.flatMap((p) =>
        p.targets.flatMap((t) =>
          [...t.expr.matchAll(/\b(rookery_[a-z_]+?)(?:_bucket|_count|_sum)?\b/g)].map((m) => m[1]!),
        ),
      );
      expect(queried.length).toBeGreaterThan(10);
      expect(queried.filter((name) => !exported.has(name))).toEqual([]);
      expect(new Set(queried)).toEqual(exported);
    } finally {
      await store.close();
    }
  });
});
