import { afterAll, describe, expect, it } from 'vitest';
import { RookeryClient, RookeryNode, type ClusterOverview } from '@rookery/core';
import { createSqlDatastore } from '@rookery/datastore-sql';
import { functionExecutors, WorkerPool } from '@rookery/executor';
import { createEventBus } from '@rookery/messaging';
import { testDialects, type TestDatabase } from '../../datastore-sql/test/helpers/test-databases.js';
import { createClusterMetrics, Registry } from '../src/index.js';
import { parsePrometheusText, sampleValue } from './helpers/prometheus-text.js';

const dialects = (await testDialects()).filter((d) => d.label === 'sqlite' || d.label === 'postgres');
const JOBS = 4;

describe.each(dialects)('cluster metrics on $label', (dialect) => {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    for (const db of databases) await db.drop();
  });

  it.skipIf(!dialect.available)(
    'after jobs ran and failed, the cluster gauges count them from the ledger',
    async () => {
      const db = await dialect.create();
      databases.push(db);
      const store = await createSqlDatastore({ url: db.url });
      const events = createEventBus();
      const node = new RookeryNode({
        datastore: store,
        events,
        pool: new WorkerPool({ concurrency: 2 }),
        id: 'cluster-metrics-node',
        pollWaitsMs: [50],
        executors: functionExecutors({
          quick: async () => 'done',
          broken: async () => Promise.reject(new Error('always fails')),
        }),
      });
      let ended = 0;
      const allEnded = new Promise<void>((resolve) => {
        const count = (): void => {
          ended += 1;
          if (ended === JOBS + 1) resolve();
        };
        events.on('taskCompleted', count);
        events.on('taskFailed', count);
      });
      try {
        await node.start();
        const client = new RookeryClient({ datastore: store, events });
        await client.enqueueMany([
          ...Array.from({ length: JOBS }, () => ({ executor: 'quick' })),
          { executor: 'broken' },
        ]);
        // one job for later: pending, not due
        await client.enqueue({ executor: 'quick', runAt: (await store.clockNow()) + 3_600_000 });
        await allEnded;

        const registry = createClusterMetrics({ registry: new Registry(), overview: () => client.overview() });
        const { samples, types } = parsePrometheusText(await registry.metrics());
        expect(types.get('rookery_cluster_tasks')).toBe('gauge');
        expect(sampleValue(samples, 'rookery_cluster_nodes', { status: 'alive' })).toBe(1);
        expect(sampleValue(samples, 'rookery_cluster_nodes', { status: 'silent' })).toBe(0);
        expect(sampleValue(samples, 'rookery_cluster_tasks', { state: 'pending' })).toBe(1);
        expect(sampleValue(samples, 'rookery_cluster_tasks', { state: 'running' })).toBe(0);
        expect(sampleValue(samples, 'rookery_cluster_tasks_ended_last_hour', { state: 'completed' })).toBe(JOBS);
        expect(sampleValue(samples, 'rookery_cluster_tasks_ended_last_hour', { state: 'failed' })).toBe(1);
        expect(sampleValue(samples, 'rookery_cluster_backlog_tasks')).toBe(0);
        expect(sampleValue(samples, 'rookery_cluster_starts_per_second')).toBeGreaterThan(0);
        expect(
          sampleValue(samples, 'rookery_cluster_start_lateness_seconds', { quantile: '0.99' }),
        ).toBeGreaterThanOrEqual(0);
      } finally {
        await node.stop({ graceMs: 5_000 });
        await store.close();
      }
    },
  );
});

describe('cluster metrics reading', () => {
  const overview = (backlog: number): ClusterOverview => ({
    at: 0,
    nodes: [],
    tasks: { pending: backlog, running: 0, completedLastHour: 0, failedLastHour: 0 },
    backlog,
    latenessMs: null,
    startedPerSecond: 0,
  });

  it('reads the ledger once per scrape and reuses it within maxAgeMs, by the injected clock', async () => {
    let now = 1_000;
    let reads = 0;
    const registry = createClusterMetrics({
      registry: new Registry(),
      maxAgeMs: 5_000,
      now: () => now,
      overview: async () => overview(++reads),
    });
    const first = parsePrometheusText(await registry.metrics()).samples;
    expect(reads).toBe(1);
    expect(sampleValue(first, 'rookery_cluster_backlog_tasks')).toBe(1);
    // no start yet: the lateness gauge has no sample
    expect(first.filter((s) => s.name === 'rookery_cluster_start_lateness_seconds')).toEqual([]);
    now += 4_999;
    await registry.metrics();
    expect(reads).toBe(1);
    now += 1;
    expect(sampleValue(parsePrometheusText(await registry.metrics()).samples, 'rookery_cluster_backlog_tasks')).toBe(2);
    expect(reads).toBe(2);
  });

  it('fails the scrape when the read fails, and reads again at the next', async () => {
    let fail = true;
    const registry = createClusterMetrics({
      registry: new Registry(),
      overview: async () => {
        if (fail) throw new Error('database unreachable');
        return overview(7);
      },
    });
    await expect(registry.metrics()).rejects.toThrow('database unreachable');
    fail = false;
    expect(sampleValue(parsePrometheusText(await registry.metrics()).samples, 'rookery_cluster_backlog_tasks')).toBe(7);
  });
});
