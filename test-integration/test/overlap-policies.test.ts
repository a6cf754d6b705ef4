import { afterAll, describe, expect, it } from 'vitest';
import type { Schedule, Task } from '@rookery/core';
import { testDialects } from '../../packages/datastore-sql/test/helpers/test-databases.js';
import { stopNode } from '../src/cluster.js';
import { startRecordedCluster } from '../src/recorded-cluster.js';
import { printNodeErrors, printReport } from '../src/report.js';

// The four duplicate (overlap) policies under three nodes: every second a run falls due whose
// work takes 2.5 s. `run` overlaps freely; `skip`, `replace` and `queue` never let two runs
// hold the schedule at once, each resolving the clash its own way (`replace`: the new run starts
// once the one it asked to cancel has stopped).
const LEASE_MS = 3_000;
const dialects = await testDialects();

describe.each(dialects)('overlap policies under three nodes on $label', (dialect) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it.skipIf(!dialect.available)(
    'run overlaps; skip, replace and queue never do, each settling the clash as documented',
    async () => {
      const cluster = await startRecordedCluster(dialect, {
        ids: ['o1', 'o2', 'o3'],
        leaseMs: LEASE_MS,
        concurrency: 20,
      });
      cleanups.push(() => cluster.dispose());
      const { client, nodes, store } = cluster;
      const byPolicy = new Map<string, Schedule>();
      for (const duplicate of ['run', 'skip', 'replace', 'queue'] as const) {
        byPolicy.set(
          duplicate,
          await client.createSchedule({
            name: `overlap-${duplicate}`,
            executor: 'record',
            payload: { ms: 2_500 },
            trigger: { kind: 'interval', everyMs: 1_000 },
            policies: { duplicate },
          }),
        );
      }
      const from = Date.now() + 1_000;
      await new Promise((r) => setTimeout(r, 14_000));
      const stopAt = Date.now();
      expect(await Promise.all(nodes.map((n) => stopNode(n)))).toEqual([0, 0, 0]);
      const schedules = [...byPolicy.values()];
      const { report, records } = await cluster.check({
        schedules,
        from,
        to: stopAt - 4_000,
        lateAfterMs: 60_000,
        leaseMs: LEASE_MS,
      });
      printReport(`${dialect.label}: duplicate policies run, skip, replace, queue; 2.5 s runs every second`, report);
      printNodeErrors(nodes);
      expect(report.duplicateCompletions).toEqual([]);
      expect(report.staleCommits).toEqual([]);
      expect(report.overlaps).toEqual([]);
      expect(report.leftLeased).toEqual([]);

      const tasksOf = async (policy: string): Promise<Task[]> => {
        const s = byPolicy.get(policy);
        return s
          ? (await store.taskList({ scheduleId: s.id, limit: 1_000 })).filter(
              (t) => t.fireAt >= from && t.fireAt <= stopAt - 4_000,
            )
          : [];
      };
      const states = (tasks: Task[]): Record<string, number> => {
        const out: Record<string, number> = {};
        for (const t of tasks) out[t.state] = (out[t.state] ?? 0) + 1;
        return out;
      };
      const run = await tasksOf('run');
      const skip = await tasksOf('skip');
      const replace = await tasksOf('replace');
      const queue = await tasksOf('queue');
      console.log(
        `  states: run ${JSON.stringify(states(run))}, skip ${JSON.stringify(states(skip))}, replace ${JSON.stringify(states(replace))}, queue ${JSON.stringify(states(queue))}`,
      );

      // run: every fire time ran to completion, overlapping (2.5 s runs, one per second).
      expect(run.every((t) => t.state === 'completed')).toBe(true);
      // skip: runs completed one at a time, the fire times in between skipped.
      expect(skip.filter((t) => t.state === 'completed').length).toBeGreaterThan(0);
      expect(skip.filter((t) => t.state === 'skipped').length).toBeGreaterThan(0);
      // replace: each new fire time asked the run under way to cancel, so no run lasted to
      // completion; the cancelled ones say which task replaced them. The new run started only once
      // the one it replaced had stopped, by the runs' own records (not merely by their leases).
      const cancelled = replace.filter((t) => t.state === 'cancelled');
      expect(cancelled.length).toBeGreaterThan(3);
      expect(cancelled.every((t) => /^cancelled on request: replaced by task \S+$/.test(t.reason ?? ''))).toBe(true);
      const replaceRecords = records.filter((r) => r.scheduleId === byPolicy.get('replace')?.id);
      const replaceEnds = new Map(
        replaceRecords.filter((r) => r.kind === 'end').map((r) => [`${r.taskId}/${r.fence}`, r.at]),
      );
      const replaceStarts = replaceRecords.filter((r) => r.kind === 'start').sort((a, b) => a.at - b.at);
      expect(replaceStarts.length).toBeGreaterThan(3);
      const handoffsMs = replaceStarts
        .slice(1)
        .map((r, i) => r.at - (replaceEnds.get(`${replaceStarts[i]?.taskId}/${replaceStarts[i]?.fence}`) ?? Infinity));
      console.log(`  replace: ms from a run's end to the start of the run replacing it: ${JSON.stringify(handoffsMs)}`);
      for (const ms of handoffsMs) expect(ms).toBeGreaterThanOrEqual(0);
      expect(replace.filter((t) => t.state === 'completed')).toEqual([]);
      for (const t of cancelled) {
        const events = await store.taskEvents(t.id);
        expect(events.filter((e) => e.from === 'running').map((e) => e.to)).toEqual(['cancelled']);
      }
      // queue: runs back to back; the fire times that found one already waiting were skipped.
      expect(queue.filter((t) => t.state === 'completed').length).toBeGreaterThan(1);
      expect(queue.filter((t) => t.state === 'skipped').length).toBeGreaterThan(0);
      const queueRuns = records
        .filter((r) => r.scheduleId === byPolicy.get('queue')?.id && r.kind === 'start')
        .map((r) => r.at)
        .sort((a, b) => a - b);
      // Back to back: the next run starts soon after the previous one's 2.5 s (poll wait, not a whole lease).
      for (let i = 1; i < queueRuns.length; i += 1)
        expect((queueRuns[i] ?? 0) - (queueRuns[i - 1] ?? 0)).toBeLessThan(2_500 + LEASE_MS);
    },
    60_000,
  );
});
