import { afterAll, describe, expect, it } from 'vitest';
import type { Schedule, Task } from '@rookery/core';
import { testDialects } from '../../packages/datastore-sql/test/helpers/test-databases.js';
import { RECORDING_FUNCTIONS, startNode, stopNode, waitUntil } from '../src/cluster.js';
import { startRecordedCluster } from '../src/recorded-cluster.js';

// Misfire policies after a whole-cluster outage: every node is stopped for 12 s, then a new
// set starts. Fire times peeled more than the grace (1 s) after they fell due are misfired and
// each policy does what it says; a task peeled before the outage that could not start before
// its starting deadline is recorded missed.
const LEASE_MS = 2_000;
const OUTAGE_MS = 12_000;
const GRACE_MS = 1_000;
const dialects = await testDialects();

describe.each(dialects)('misfire policies after a whole-cluster outage on $label', (dialect) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it.skipIf(!dialect.available)(
    'skip records every misfired fire time missed; run-once runs one and coalesces the rest; run-all runs the latest maxRuns; a starting deadline misses',
    async () => {
      const cluster = await startRecordedCluster(dialect, {
        ids: ['m1', 'm2', 'm3'],
        leaseMs: LEASE_MS,
        concurrency: 20,
      });
      cleanups.push(() => cluster.dispose());
      const { client, store } = cluster;
      const every = { kind: 'interval' as const, everyMs: 1_000 };
      const make = (
        name: string,
        policies: Parameters<typeof client.createSchedule>[0]['policies'],
      ): Promise<Schedule> =>
        client.createSchedule({
          name,
          executor: 'record',
          payload: { ms: 50 },
          trigger: every,
          policies: { misfireGraceMs: GRACE_MS, ...policies },
        });
      const skip = await make('misfire-skip', { misfire: 'skip' });
      const once = await make('misfire-run-once', { misfire: 'run-once' });
      const all = await make('misfire-run-all', { misfire: 'run-all', misfireMaxRuns: 2 });
      const deadline = await make('starting-deadline', {
        misfire: 'run-all',
        misfireMaxRuns: 100,
        startingDeadlineMs: 1_000,
      });

      await new Promise((r) => setTimeout(r, 3_000));
      const outageAt = Date.now();
      expect(await Promise.all(cluster.nodes.map((n) => stopNode(n)))).toEqual([0, 0, 0]);
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      const restartAt = Date.now();
      const settings = {
        db: cluster.url,
        ids: [],
        executors: [RECORDING_FUNCTIONS],
        history: cluster.historyFile,
        leaseMs: LEASE_MS,
        concurrency: 20,
      };
      const again = ['m4', 'm5', 'm6'].map((id) => startNode(settings, id));
      cluster.nodes.push(...again);
      await waitUntil(
        async () => (await store.nodeList()).filter((n) => n.stoppedAt === null).length === 3,
        20_000,
        'the new nodes to register',
      );
      await new Promise((r) => setTimeout(r, 4_000));
      expect(await Promise.all(again.map((n) => stopNode(n)))).toEqual([0, 0, 0]);

      const tasksOf = async (s: Schedule): Promise<Task[]> =>
        (await store.taskList({ scheduleId: s.id, limit: 1_000 })).sort((a, b) => a.fireAt - b.fireAt);
      // Misfired: fire times first peeled after the restart, more than the grace after they fell due,
      // grouped by the peel that wrote them (one peel writes its rows with one created_at). The first
      // group is the catch-up after the outage; a later one appears when a peel runs late on a loaded
      // machine, and each policy must hold within every group. The node judges lateness by the clock it
      // read when it planned the peel, a little before the write stamps created_at, so the newest fire
      // times of a group may have been judged on time (created with no misfire reason): those may only
      // be the group's newest and must have run.
      const misfiredByPeel = async (tasks: Task[]): Promise<Task[][]> => {
        const groups = new Map<number, Task[]>();
        for (const t of tasks.filter((t) => t.createdAt >= restartAt && t.fireAt < t.createdAt - GRACE_MS)) {
          groups.set(t.createdAt, [...(groups.get(t.createdAt) ?? []), t]);
        }
        const out: Task[][] = [];
        for (const [, group] of [...groups.entries()].sort(([a], [b]) => a - b)) {
          const judgedOnTime = await Promise.all(
            group.map(async (t) => (await store.taskEvents(t.id)).find((e) => e.from === null)?.reason == null),
          );
          const firstOnTime = judgedOnTime.indexOf(true);
          const misfired = firstOnTime < 0 ? group : group.slice(0, firstOnTime);
          expect(judgedOnTime.slice(misfired.length).every(Boolean)).toBe(true);
          expect(states(group.slice(misfired.length)).every((s) => s === 'completed')).toBe(true);
          if (misfired.length > 0) out.push(misfired);
        }
        return out;
      };
      const states = (tasks: Task[]): string[] => tasks.map((t) => t.state);

      const skipped = await misfiredByPeel(await tasksOf(skip));
      expect(skipped[0]?.length).toBeGreaterThanOrEqual(4);
      for (const group of skipped) expect(new Set(states(group))).toEqual(new Set(['missed']));

      const coalesced = await misfiredByPeel(await tasksOf(once));
      expect(coalesced[0]?.length).toBeGreaterThanOrEqual(4);
      for (const group of coalesced) {
        // The one run is the latest misfired fire time; the rest are coalesced into it.
        expect(states(group)).toEqual([...states(group.slice(0, -1)).map(() => 'coalesced'), 'completed']);
      }

      const caughtUp = await misfiredByPeel(await tasksOf(all));
      expect(caughtUp[0]?.length).toBeGreaterThanOrEqual(4);
      for (const group of caughtUp) {
        const runs = Math.min(2, group.length);
        expect(states(group)).toEqual([
          ...states(group.slice(0, -runs)).map(() => 'missed'),
          ...states(group.slice(-runs)).map(() => 'completed'),
        ]);
      }

      // Peeled before the outage, due during it, past the 1 s starting deadline when nodes came back.
      const stranded = (await tasksOf(deadline)).filter(
        (t) => t.createdAt < outageAt && t.fireAt > outageAt + 1_000 && t.fireAt < restartAt - 2_000,
      );
      expect(stranded.length).toBeGreaterThan(0);
      for (const t of stranded) {
        expect(t.state).toBe('missed');
        expect(t.reason).toMatch(/deadline/);
      }
    },
    90_000,
  );
});
