import { afterAll, describe, expect, it } from 'vitest';
import { RATE_WINDOW_MS, rateWindowStart } from '@rookery/core';
import { testDialects } from '../../packages/datastore-sql/test/helpers/test-databases.js';
import { readHistory, stopNode, waitUntil } from '../src/cluster.js';
import { startRecordedCluster } from '../src/recorded-cluster.js';
import { printNodeErrors } from '../src/report.js';

// A cluster-wide rate limit of 5 starts a second, set by each of three nodes with
// --cluster-rate-limit, holds across them: 100 tasks fall due at once, and over 10 s of the
// backlog the nodes start 50 of them, within 10%. Windows are counted twice: by the start
// instants the database recorded (its clock decides the windows: never more than 5 in any), and
// by the executors' own records of their starts (the history, each node's wall clock).
const PER_SECOND = 5;
const SECONDS = 10;

const dialects = await testDialects();

/** Starts per one-second window, from `from` for `SECONDS` windows. */
function perWindow(instants: number[], from: number): number[] {
  return Array.from(
    { length: SECONDS },
    (_, i) => instants.filter((t) => rateWindowStart(t) === from + i * RATE_WINDOW_MS).length,
  );
}

describe.each(dialects)('a cluster-wide rate limit on $label', (dialect) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it.skipIf(!dialect.available)(
    `three nodes together start ${PER_SECOND} tasks a second, within 10% over ${SECONDS} s`,
    async () => {
      const cluster = await startRecordedCluster(dialect, {
        ids: ['r1', 'r2', 'r3'],
        leaseMs: 5_000,
        concurrency: 20,
        args: ['--cluster-rate-limit', `record=${PER_SECOND}`],
      });
      cleanups.push(() => cluster.dispose());
      const { client, nodes, store } = cluster;
      expect(await store.rateLimitList()).toEqual([
        expect.objectContaining({ executor: 'record', perSecond: PER_SECOND }),
      ]);
      const dueAt = (await store.clockNow()) + 3_000;
      for (let i = 0; i < 100; i += 1) {
        await client.createSchedule({
          name: `rated-${i}`,
          executor: 'record',
          payload: { ms: 50 },
          trigger: { kind: 'once', at: dueAt },
        });
      }
      // the first whole window after the backlog fell due, and SECONDS windows from there
      const from = rateWindowStart(dueAt) + 2 * RATE_WINDOW_MS;
      await waitUntil(
        async () => (await store.clockNow()) > from + (SECONDS + 1) * RATE_WINDOW_MS,
        30_000,
        'the measured windows to pass',
      );
      const tasks = await store.taskList({ limit: 1_000 });
      const byDatabase = perWindow(
        tasks.flatMap((t) => (t.startedAt === null ? [] : [t.startedAt])),
        from,
      );
      const starts = readHistory(cluster.historyFile).filter((r) => r.kind === 'start');
      const byHistory = perWindow(
        starts.map((r) => r.at),
        from,
      );
      const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
      console.log(
        `${dialect.label}: starts per second, cluster-wide limit ${PER_SECOND}/s — by the database's start instants [${byDatabase.join(' ')}] = ${sum(byDatabase)};` +
          ` by the executors' records [${byHistory.join(' ')}] = ${sum(byHistory)}; nodes: ${[...new Set(starts.map((r) => r.nodeId))].sort().join(', ')}`,
      );
      printNodeErrors(nodes);
      // still a backlog at the end: the limit, not the work, was what held the rate
      expect(tasks.filter((t) => t.state === 'pending').length).toBeGreaterThan(0);
      expect(Math.max(...byDatabase)).toBeLessThanOrEqual(PER_SECOND);
      for (const total of [sum(byDatabase), sum(byHistory)]) {
        expect(total).toBeGreaterThanOrEqual(PER_SECOND * SECONDS * 0.9);
        expect(total).toBeLessThanOrEqual(PER_SECOND * SECONDS * 1.1);
      }
      expect(new Set(starts.map((r) => r.nodeId)).size).toBeGreaterThan(1);
      expect(await Promise.all(nodes.map((n) => stopNode(n)))).toEqual([0, 0, 0]);
    },
    120_000,
  );
});
