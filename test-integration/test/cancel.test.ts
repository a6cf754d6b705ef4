import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { testDialects } from '../../packages/datastore-sql/test/helpers/test-databases.js';
import { readHistory, ROOKERY_BIN, stopNode, waitUntil } from '../src/cluster.js';
import { startRecordedCluster } from '../src/recorded-cluster.js';
import { printNodeErrors } from '../src/report.js';

// A cancel reaches the node running the task within a second (the issue's liveness bound),
// though renewals come only every lease/3 = 2 s: the node's cancel check on its poll finds it.
// The client here shares no event bus with the nodes, so no message helps. Latency is measured
// from just before the request is written to the executor's own record of its abort.
const LEASE_MS = 6_000;
const BOUND_MS = 1_500; // 1 s, plus slack for a 2-core machine shared with other tests

const dialects = await testDialects();

/** Runs `rookery task cancel`; resolves with its exit code and output. */
function cliCancel(db: string, id: string, reason: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [ROOKERY_BIN, 'task', 'cancel', id, '--reason', reason, '--db', db], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

describe.each(dialects)('cancelling running tasks on $label', (dialect) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it.skipIf(!dialect.available)(
    'a cancel from another process aborts the attempt on the node holding it within a second, and commits cancelled',
    async () => {
      const cluster = await startRecordedCluster(dialect, {
        ids: ['c1', 'c2', 'c3'],
        leaseMs: LEASE_MS,
        concurrency: 2,
      });
      cleanups.push(() => cluster.dispose());
      const { client, nodes, store } = cluster;
      const records = () => readHistory(cluster.historyFile);
      const schedules = [];
      for (let i = 0; i < 6; i += 1) {
        schedules.push(
          await client.createSchedule({
            name: `long-${i}`,
            executor: 'record',
            payload: { ms: 120_000 },
            trigger: { kind: 'once', at: Date.now() + 500 },
          }),
        );
      }
      await waitUntil(
        async () => (await store.taskList({ states: ['running'] })).length === 6,
        20_000,
        'six running tasks',
      );
      const running = await store.taskList({ states: ['running'] });
      await waitUntil(
        () => running.every((t) => records().some((r) => r.kind === 'start' && r.taskId === t.id)),
        10_000,
        'six start records',
      );

      const latencies: { taskId: string; nodeId: string | null; ms: number }[] = [];
      const [viaCli, ...viaClient] = running;
      for (const task of viaClient) {
        const askedAt = Date.now();
        await client.cancelTask(task.id, `test cancel of ${task.id}`);
        await waitUntil(
          async () => (await store.taskGet(task.id))?.state === 'cancelled',
          10_000,
          `task ${task.id} cancelled`,
        );
        const end = records().find((r) => r.kind === 'end' && r.taskId === task.id);
        latencies.push({ taskId: task.id, nodeId: task.nodeId, ms: (end?.at ?? Infinity) - askedAt });
        // spaced out, so each cancel lands at a different point of the nodes' poll and renewal cycles
        await new Promise((r) => setTimeout(r, 337));
      }
      if (!viaCli) throw new Error('no task for the command line');
      const spawnedAt = Date.now();
      const cli = await cliCancel(cluster.url, viaCli.id, 'from the command line');
      expect(cli.code, cli.out).toBe(0);
      expect(cli.out).toMatch(/cancel requested: task .* is being stopped by node c[123]/);
      await waitUntil(
        async () => (await store.taskGet(viaCli.id))?.state === 'cancelled',
        10_000,
        'the command line cancel',
      );
      const cliEnd = records().find((r) => r.kind === 'end' && r.taskId === viaCli.id);

      console.log(
        `${dialect.label}: cancel latencies (request → abort recorded by the executor): ${latencies.map((l) => `${l.ms} ms on ${l.nodeId}`).join(', ')};` +
          ` command line: ${(cliEnd?.at ?? Infinity) - spawnedAt} ms from spawning rookery task cancel`,
      );
      printNodeErrors(nodes);
      for (const l of latencies) expect(l.ms, `task ${l.taskId} on ${l.nodeId}`).toBeLessThan(BOUND_MS);
      expect(new Set(latencies.map((l) => l.nodeId)).size).toBeGreaterThan(1);
      for (const task of running) {
        const t = await store.taskGet(task.id);
        expect(t).toMatchObject({
          state: 'cancelled',
          attempt: 1,
          reason: expect.stringMatching(/^cancelled on request: /),
        });
        const last = (await store.taskEvents(task.id)).at(-1);
        expect(last).toMatchObject({ from: 'running', to: 'cancelled', nodeId: task.nodeId, fence: task.fence });
        // the executor saw its signal aborted, and failed: exactly one start and one end
        const mine = records().filter((r) => r.taskId === task.id);
        expect(mine.map((r) => [r.kind, r.ok])).toEqual([
          ['start', undefined],
          ['end', false],
        ]);
      }
      expect(await Promise.all(nodes.map((n) => stopNode(n)))).toEqual([0, 0, 0]);
    },
    90_000,
  );
});
