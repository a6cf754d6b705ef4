import { afterAll, describe, expect, it } from 'vitest';
import { RookeryClient, type Schedule } from '@rookery/core';
import type { SqlDatastore } from '@rookery/datastore-sql';
import { pgWakeSignals } from '@rookery/messaging';
import { postgresDialect } from '../../packages/datastore-sql/test/helpers/test-databases.js';
import { stopNode, waitUntil } from '../src/cluster.js';
import { startRecordedCluster } from '../src/recorded-cluster.js';
import { printNodeErrors, printReport } from '../src/report.js';

// Two `rookery node` processes on PostgreSQL that poll only every POLL_WAIT_MS, given one-shots
// through a client: once with LISTEN/NOTIFY wake signals, once with none. Both must run every
// fire time exactly once (a signal only makes the cluster react sooner; the run without them is
// the run with every signal dropped). How late the starts were is printed, never asserted.
const POLL_WAIT_MS = 8_000;
const LEASE_MS = 3_000;
const ONE_SHOTS = 8;
const CREATE_EVERY_MS = 1_000;

const dialect = await postgresDialect();

/** LISTEN sessions of the nodes' wake signals on the cluster's database. */
async function listeners(store: SqlDatastore): Promise<number> {
  const [rows] = await store.sequelize.query(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'rookery-wake' AND query LIKE 'LISTEN%'",
  );
  return (rows as { n: number }[])[0]?.n ?? 0;
}

function stats(values: number[]): string {
  const v = [...values].sort((a, b) => a - b);
  const at = (q: number): number => v[Math.min(v.length - 1, Math.floor(q * v.length))] ?? NaN;
  return `min ${at(0)} ms, median ${at(0.5)} ms, max ${at(1)} ms (n=${v.length})`;
}

describe.each(['pg', 'none'] as const)('two rookery nodes on postgres polling every 8 s, --wake-signals %s', (mode) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it.skipIf(!dialect.available)(
    `runs every one-shot created through the client exactly once`,
    async () => {
      const cluster = await startRecordedCluster(dialect, {
        ids: [`w${mode}1`, `w${mode}2`],
        leaseMs: LEASE_MS,
        concurrency: 4,
        args: ['--poll-waits', String(POLL_WAIT_MS), '--wake-signals', mode],
      });
      cleanups.push(() => cluster.dispose());
      const { nodes } = cluster;
      const wakeSignals =
        mode === 'pg'
          ? pgWakeSignals({ url: cluster.url, onError: (e) => console.warn('client wake signals:', e) })
          : null;
      cleanups.push(async () => wakeSignals?.close());
      const client = new RookeryClient({ datastore: cluster.store, ...(wakeSignals ? { wakeSignals } : {}) });

      if (mode === 'pg')
        await waitUntil(async () => (await listeners(cluster.store)) === 2, 20_000, 'both nodes to LISTEN');
      else expect(await listeners(cluster.store)).toBe(0);

      // One-shots due 1.5 to 4 s after their creation: some within the nodes' peel lookahead at
      // once, some not yet.
      const schedules: Schedule[] = [];
      for (let i = 0; i < ONE_SHOTS; i += 1) {
        const now = await cluster.store.clockNow();
        schedules.push(
          await client.createSchedule({
            name: `once-${i}`,
            executor: 'record',
            payload: { ms: 50 },
            trigger: { kind: 'once', at: now + 1_500 + (i % 4) * 800 },
          }),
        );
        await new Promise((r) => setTimeout(r, CREATE_EVERY_MS));
      }
      const fireTimes = schedules.map((s) => s.nextFireAt ?? NaN);
      await waitUntil(
        async () =>
          (await cluster.store.taskList({ limit: 1_000 })).filter((t) => t.state === 'completed').length >= ONE_SHOTS,
        3 * POLL_WAIT_MS + 20_000,
        `${ONE_SHOTS} one-shots to complete`,
      );
      expect(await Promise.all(nodes.map((n) => stopNode(n)))).toEqual([0, 0]);

      const from = Math.min(...fireTimes);
      const to = Math.max(...fireTimes);
      const { report, records } = await cluster.check({
        schedules,
        from,
        to,
        lateAfterMs: POLL_WAIT_MS + 2_000,
        leaseMs: LEASE_MS,
      });
      printReport(
        `postgres, --wake-signals ${mode}: 2 nodes polling every ${POLL_WAIT_MS} ms, ${ONE_SHOTS} one-shots`,
        report,
        { from, to },
      );
      const firstStarts = new Map<string, number>();
      for (const r of records)
        if (r.kind === 'start' && !firstStarts.has(r.taskId)) firstStarts.set(r.taskId, r.at - r.fireAt);
      console.log(`  start lateness (--wake-signals ${mode})   ${stats([...firstStarts.values()])}`);
      printNodeErrors(nodes);

      expect(report.summary.expected).toBe(ONE_SHOTS);
      expect(report.lost).toEqual([]);
      expect(report.duplicateCompletions).toEqual([]);
      expect(report.staleCommits).toEqual([]);
      expect(report.overlaps).toEqual([]);
      expect(report.leftLeased).toEqual([]);
      const tasks = await cluster.store.taskList({ limit: 1_000 });
      expect(
        tasks
          .filter((t) => t.state === 'completed')
          .map((t) => t.scheduleId)
          .sort(),
      ).toEqual(schedules.map((s) => s.id).sort());
    },
    120_000,
  );
});
