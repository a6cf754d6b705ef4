import { afterAll, describe, expect, it } from 'vitest';
import { testDialects, type TestDatabase } from '../../datastore-sql/test/helpers/test-databases.js';
import { createRookery, type Rookery, type RookeryOptions } from '../src/index.js';

// Several Rookery clusters on one database, each in its own schema or behind its own table
// prefix, run at once: each runs exactly its own tasks (enqueued with the same dedupe keys
// everywhere, which would collide in shared tables) and sees only its own tasks and nodes.

const JOBS = 8;

interface Cluster {
  label: string;
  /** The URL query, or the options, that place this cluster's tables. */
  placement: { query?: string; options?: Pick<RookeryOptions, 'schema' | 'tablePrefix'> };
}

function clustersOf(dialect: string): Cluster[] {
  const clusters: Cluster[] = [
    { label: 'default', placement: {} },
    { label: 'prefix green_ (URL)', placement: { query: 'tablePrefix=green_' } },
    { label: 'prefix blue_ (option)', placement: { options: { tablePrefix: 'blue_' } } },
  ];
  if (dialect === 'postgres') {
    clusters.push(
      { label: 'schema tenant_a (URL)', placement: { query: 'schema=tenant_a' } },
      {
        label: 'schema tenant_b and prefix green_ (options)',
        placement: { options: { schema: 'tenant_b', tablePrefix: 'green_' } },
      },
    );
  }
  return clusters;
}

for (const dialect of await testDialects()) {
  describe.skipIf(!dialect.available)(`clusters side by side on one ${dialect.label} database`, () => {
    const started: Rookery[] = [];
    let db: TestDatabase | undefined;
    afterAll(async () => {
      for (const rookery of started) await rookery.close();
      await db?.drop();
    });

    it('each cluster runs and lists only its own work, all running at once', async () => {
      db = await dialect.create();
      const base = db.url;
      const clusters = clustersOf(dialect.label);
      const ran = new Map<string, string[]>(clusters.map((c) => [c.label, []]));
      const errors: Error[] = [];
      const rookeries = await Promise.all(
        clusters.map(async (cluster) => {
          const url = cluster.placement.query ? `${base}?${cluster.placement.query}` : base;
          const rookery = await createRookery({
            db: url,
            ...cluster.placement.options,
            wakeSignals: 'none',
            leaseMs: 4_000,
            executors: {
              work: async (ctx) => {
                ran.get(cluster.label)?.push(ctx.task.id);
                return { cluster: cluster.label };
              },
            },
          });
          started.push(rookery);
          rookery.events.on('generalError', (error) => errors.push(error));
          return rookery;
        }),
      );
      const enqueued = await Promise.all(
        rookeries.map(async (rookery) => {
          const results = await rookery.client.enqueueMany(
            Array.from({ length: JOBS }, (_, i) => ({ executor: 'work', key: `job-${i}` })),
          );
          expect(results.every((r) => r.created)).toBe(true);
          return results.map((r) => r.task.id).sort();
        }),
      );
      await expect
        .poll(
          async () =>
            (await Promise.all(rookeries.map((r) => r.client.listTasks({ states: ['completed'] })))).map(
              (t) => t.length,
            ),
          {
            timeout: 25_000,
            interval: 100,
          },
        )
        .toEqual(clusters.map(() => JOBS));
      for (const [i, cluster] of clusters.entries()) {
        const rookery = rookeries[i] as Rookery;
        expect([...(ran.get(cluster.label) ?? [])].sort(), cluster.label).toEqual(enqueued[i]);
        const listed = await rookery.client.listTasks();
        expect(listed.map((t) => t.id).sort(), cluster.label).toEqual(enqueued[i]);
        expect(
          listed.every((t) => (t.result as { cluster?: string } | null)?.cluster === cluster.label),
          cluster.label,
        ).toBe(true);
        expect(
          (await rookery.client.listNodes()).map((n) => n.id),
          cluster.label,
        ).toEqual([rookery.node.id]);
      }
      expect(errors).toEqual([]);

      if (dialect.label === 'postgres') {
        const [rows] = await (rookeries[0] as Rookery).datastore.sequelize.query(
          "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_name LIKE '%\\_tasks' ORDER BY 1",
        );
        expect((rows as { t: string }[]).map((r) => r.t)).toEqual([
          'public.blue_tasks',
          'public.green_tasks',
          'public.rookery_tasks',
          'tenant_a.rookery_tasks',
          'tenant_b.green_tasks',
        ]);
      }
    });
  });
}
