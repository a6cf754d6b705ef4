import { afterAll, describe, expect, it } from 'vitest';
import type { Schedule } from '@rookery/core';
import { testDialects } from '../../packages/datastore-sql/test/helpers/test-databases.js';
import { stopNode, waitUntil } from '../src/cluster.js';
import { startRecordedCluster } from '../src/recorded-cluster.js';
import { printNodeErrors, printReport } from '../src/report.js';

// Tern's worst bug: a node paused past its lease kept writing. Here a node is SIGSTOPped
// while it runs long tasks, for three times its lease, then SIGCONTed. The others must take
// its tasks over, and when it wakes it must commit nothing of what it lost: its executions
// are aborted (leaseLost) and every outcome in the ledger comes from the lease holder of the
// moment.
const LEASE_MS = 2_000;
const PAUSE_MS = 3 * LEASE_MS;

const dialects = await testDialects();

describe.each(dialects)('a node SIGSTOPped past its lease on $label', (dialect) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it.skipIf(!dialect.available)(
    'commits nothing after it wakes; its tasks were taken over; nothing lost or doubled',
    async () => {
      const cluster = await startRecordedCluster(dialect, {
        ids: ['p1', 'p2', 'p3'],
        leaseMs: LEASE_MS,
        concurrency: 20,
      });
      cleanups.push(() => cluster.dispose());
      const { client, nodes } = cluster;

      const schedules: Schedule[] = [];
      for (let i = 0; i < 30; i += 1) {
        const long = i % 3 === 0;
        schedules.push(
          await client.createSchedule({
            name: `paused-${i}`,
            executor: 'record',
            payload: { ms: long ? 3_000 : 200 },
            trigger: { kind: 'interval', everyMs: 1_000 },
            policies: long ? { duplicate: 'skip' } : {},
          }),
        );
      }
      const from = Date.now() + 1_000;

      await new Promise((r) => setTimeout(r, 3_000));
      await waitUntil(() => cluster.open('p3').length > 0, 10_000, 'p3 to be running tasks');
      const victim = nodes[2];
      if (!victim) throw new Error('no third node');
      victim.child.kill('SIGSTOP');
      const pausedAt = Date.now();
      await new Promise((r) => setTimeout(r, PAUSE_MS));
      victim.child.kill('SIGCONT');
      const resumedAt = Date.now();
      await new Promise((r) => setTimeout(r, 5_000));
      const stopAt = Date.now();
      expect(await Promise.all(nodes.map((n) => stopNode(n)))).toEqual([0, 0, 0]);

      const { report, records, events } = await cluster.check({
        schedules,
        faults: [{ nodeId: 'p3', at: pausedAt, kind: 'pause', until: resumedAt }],
        from,
        to: stopAt - 2_000,
        lateAfterMs: LEASE_MS + 1_000 + 350,
        leaseMs: LEASE_MS,
      });
      printReport(`${dialect.label}: 3 nodes, 30 schedules x 1/s, p3 SIGSTOPped for ${PAUSE_MS} ms`, report, {
        from,
        to: stopAt - 2_000,
      });
      printNodeErrors(nodes);

      expect(report.lost).toEqual([]);
      expect(report.duplicateCompletions).toEqual([]);
      expect(report.staleCommits).toEqual([]);
      expect(report.overlaps).toEqual([]);
      expect(report.leftLeased).toEqual([]);
      // Every attempt p3 had under way when it was paused was taken over (or settled) by the others.
      expect(report.recoveries.length).toBeGreaterThan(0);
      // On PostgreSQL and MariaDB the others take over while it sleeps. SQLite has one write lock
      // for the whole file: if the node was frozen inside a write, every node waits for it to
      // wake (and then finds its leases expired), so the takeover comes after the pause.
      const takeoverBound = dialect.label === 'sqlite' ? PAUSE_MS + LEASE_MS + 1_000 + 350 + 1_000 : PAUSE_MS;
      for (const r of report.recoveries) {
        if (r.ms === null) expect(r.settledAs).toBe('skipped');
        else expect(r.ms).toBeLessThan(takeoverBound);
      }
      // Nothing p3 committed after it woke belongs to an attempt it held before the pause. A
      // repair is not such a commit: p3's repair duty may take back its own expired leases (fence
      // + 1, so its stale attempts can never commit), which on SQLite can come first, since no
      // node wrote while p3 was frozen holding the file's write lock.
      const heldBefore = new Set(
        records
          .filter((r) => r.kind === 'start' && r.nodeId === 'p3' && r.at < pausedAt)
          .map((r) => `${r.taskId}/${r.fence}`),
      );
      const lateCommits = events.filter(
        (e) =>
          e.from === 'running' &&
          e.nodeId === 'p3' &&
          e.at >= resumedAt &&
          !(e.reason ?? '').startsWith('repaired: ') &&
          heldBefore.has(`${e.taskId}/${e.fence}`),
      );
      expect(lateCommits).toEqual([]);
      // And it noticed: its stale executions were aborted with leaseLost.
      const lostLines = victim.output
        .join('')
        .split('\n')
        .filter((l) => l.includes('"event":"leaseLost"'));
      expect(lostLines.length).toBeGreaterThan(0);
    },
    90_000,
  );
});
