import { afterAll, describe, expect, it } from 'vitest';
import type { Schedule } from '@rookery/core';
import { testDialects } from '../../packages/datastore-sql/test/helpers/test-databases.js';
import { stopNode, waitUntil } from '../src/cluster.js';
import { startRecordedCluster } from '../src/recorded-cluster.js';
import { printNodeErrors, printReport } from '../src/report.js';

// Delivery `at-most-once`: an attempt whose lease was lost is recorded `abandoned` and never
// started again. A node running such tasks is SIGSTOPped for three leases; the others must
// abandon its attempts rather than rerun them, while `at-least-once` tasks it held are rerun.
const LEASE_MS = 2_000;
const PAUSE_MS = 3 * LEASE_MS;

const dialects = await testDialects();

describe.each(dialects)('at-most-once delivery on $label', (dialect) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it.skipIf(!dialect.available)(
    'a paused node loses its at-most-once attempts: abandoned, never run again; at-least-once ones rerun',
    async () => {
      const cluster = await startRecordedCluster(dialect, {
        ids: ['a1', 'a2', 'a3'],
        leaseMs: LEASE_MS,
        concurrency: 20,
      });
      cleanups.push(() => cluster.dispose());
      const { client, nodes } = cluster;
      const schedules: Schedule[] = [];
      for (let i = 0; i < 12; i += 1) {
        schedules.push(
          await client.createSchedule({
            name: `delivery-${i}`,
            executor: 'record',
            payload: { ms: 2_500 },
            trigger: { kind: 'interval', everyMs: 1_000 },
            policies: { delivery: i % 2 === 0 ? 'at-most-once' : 'at-least-once' },
          }),
        );
      }
      const atMostOnce = new Set(schedules.filter((s) => s.policies.delivery === 'at-most-once').map((s) => s.id));
      const from = Date.now() + 1_000;
      const victim = nodes[2];
      if (!victim) throw new Error('no third node');
      await waitUntil(
        () => cluster.open('a3').some((r) => atMostOnce.has(r.scheduleId ?? '')),
        15_000,
        'a3 to run an at-most-once task',
      );
      const held = cluster.open('a3');
      victim.child.kill('SIGSTOP');
      const pausedAt = Date.now();
      await new Promise((r) => setTimeout(r, PAUSE_MS));
      victim.child.kill('SIGCONT');
      const resumedAt = Date.now();
      await new Promise((r) => setTimeout(r, 4_000));
      const stopAt = Date.now();
      expect(await Promise.all(nodes.map((n) => stopNode(n)))).toEqual([0, 0, 0]);

      const { report, records } = await cluster.check({
        schedules,
        faults: [{ nodeId: 'a3', at: pausedAt, kind: 'pause', until: resumedAt }],
        from,
        to: stopAt - 4_000,
        lateAfterMs: LEASE_MS + 1_000 + 350,
        leaseMs: LEASE_MS,
      });
      printReport(
        `${dialect.label}: at-most-once and at-least-once tasks of a node SIGSTOPped for ${PAUSE_MS} ms`,
        report,
      );
      printNodeErrors(nodes);
      expect(report.lost).toEqual([]);
      expect(report.duplicateCompletions).toEqual([]);
      expect(report.staleCommits).toEqual([]);
      expect(report.leftLeased).toEqual([]);

      const heldOnce = held.filter((r) => atMostOnce.has(r.scheduleId ?? ''));
      const heldTwice = held.filter((r) => !atMostOnce.has(r.scheduleId ?? ''));
      expect(heldOnce.length).toBeGreaterThan(0);
      for (const r of heldOnce) {
        const task = await cluster.store.taskGet(r.taskId);
        expect(task?.state).toBe('abandoned');
        // Started once, by the paused node, and never again.
        expect(records.filter((x) => x.kind === 'start' && x.taskId === r.taskId).map((x) => x.nodeId)).toEqual(['a3']);
      }
      for (const r of heldTwice) {
        const task = await cluster.store.taskGet(r.taskId);
        // Rerun elsewhere (or, if its next run had begun, nothing to do: duplicate run has no slot).
        expect(task?.state).toBe('completed');
        expect(records.filter((x) => x.kind === 'start' && x.taskId === r.taskId).length).toBeGreaterThan(1);
      }
      // Across the whole run, no at-most-once task was ever started twice.
      const starts = new Map<string, number>();
      for (const x of records)
        if (x.kind === 'start' && atMostOnce.has(x.scheduleId ?? ''))
          starts.set(x.taskId, (starts.get(x.taskId) ?? 0) + 1);
      expect([...starts.values()].filter((n) => n > 1)).toEqual([]);
    },
    90_000,
  );
});
