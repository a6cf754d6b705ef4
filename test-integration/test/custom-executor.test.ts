import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RookeryClient, type Task } from '@rookery/core';
import { createSqlDatastore } from '@rookery/datastore-sql';
import { testDialects } from '../../packages/datastore-sql/test/helpers/test-databases.js';
import { startNode, stopNode, waitUntil, type ClusterNode } from '../src/cluster.js';
import { printNodeErrors } from '../src/report.js';

const TASKS = 24;
const dialects = await testDialects();

describe.each(dialects)('three rookery node processes running a custom executor package on $label', (dialect) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it.skipIf(!dialect.available)(
    '`--executor-package rookery-example-executor` (resolved from the working directory) runs its tasks on all three nodes',
    async () => {
      const db = await dialect.create();
      cleanups.push(() => db.drop());
      const dir = await mkdtemp(join(tmpdir(), 'rookery-custom-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const store = await createSqlDatastore({ url: db.url });
      cleanups.push(() => store.close());
      const settings = {
        db: db.url,
        ids: [],
        executors: [],
        history: join(dir, 'history.jsonl'),
        leaseMs: 3_000,
        concurrency: 2,
      };
      const nodes: ClusterNode[] = ['c1', 'c2', 'c3'].map((id) =>
        startNode(settings, id, ['--executor-package', 'rookery-example-executor']),
      );
      cleanups.push(async () => {
        printNodeErrors(nodes);
        for (const n of nodes) n.child.kill('SIGKILL');
      });
      await waitUntil(async () => (await store.nodeList()).length === 3, 20_000, 'three nodes to register');
      for (const n of await store.nodeList()) expect(n.executors).toContain('word-count');

      const client = new RookeryClient({ datastore: store });
      const at = Date.now() + 500;
      for (let i = 0; i < TASKS; i += 1) {
        await client.createSchedule({
          name: `count-${i}`,
          executor: 'word-count',
          payload: { text: Array.from({ length: i + 1 }, (_, k) => `w${k}`).join(' '), delayMs: 400 },
          trigger: { kind: 'once', at },
        });
      }
      // A payload the package refuses for good: its PermanentError-coded failure is not retried.
      const bad = await client.createSchedule({
        name: 'count-bad',
        executor: 'word-count',
        payload: { words: 'no text field' },
        trigger: { kind: 'once', at },
        policies: { retry: { kind: 'fixed', maxAttempts: 3, delayMs: 100 } },
      });

      let tasks: Task[] = [];
      await waitUntil(
        async () => {
          tasks = await store.taskList({ limit: 1_000 });
          return tasks.length === TASKS + 1 && tasks.every((t) => t.state === 'completed' || t.state === 'failed');
        },
        30_000,
        'every task to finish',
      );
      const counted = tasks.filter((t) => t.scheduleId !== bad.id);
      const names = new Map((await client.listSchedules()).map((s) => [s.id, s.name]));
      for (const t of counted) {
        const i = Number(names.get(t.scheduleId ?? '')?.slice('count-'.length));
        expect(t).toMatchObject({ state: 'completed', attempt: 1, result: { words: i + 1, node: t.nodeId } });
      }
      expect(new Set(counted.map((t) => t.nodeId))).toEqual(new Set(['c1', 'c2', 'c3']));
      expect(tasks.find((t) => t.scheduleId === bad.id)).toMatchObject({
        state: 'failed',
        attempt: 1,
        error: 'payload.text: must be a string',
      });

      expect(await Promise.all(nodes.map((n) => stopNode(n)))).toEqual([0, 0, 0]);
    },
    60_000,
  );
});
