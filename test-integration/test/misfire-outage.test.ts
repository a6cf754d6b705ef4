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

  it.skipIf(!dialect.available)('skip records every misfired fire time missed; run-once runs one and coalesces the rest; run-all runs the latest maxRuns; a starting deadline misses', async () => {
    const cluster = await startRecordedCluster(dialect, { ids: ['m1', 'm2', 'm3'], leaseMs: LEASE_MS, concurrency: 20 });
    cleanups.push(() => cluster.dispose());
    const { client, store } = cluster;
    const every = { kind: 'interval' as const, everyMs: 1_000 };
    const make = (name: string, policies: Parameters<typeof client.createSchedule>[0]['policies']): Promise<Schedule> =>
      client.createSchedule({ name, executor: 'record', payload: { ms: 50 }, trigger: every, policies: { misfireGraceMs: GRACE_MS, ...policies } });
    const skip = await make('misfire-skip', { misfire: 'skip' });
    const once = await make('misfire-run-once', { misfire: 'run-once' });
    const all = await make('misfire-run-all', { misfire: 'run-all', misfireMaxRuns: 2 });
    const deadline = await make('starting-deadline', { misfire: 'run-all', misfireMaxRuns: 100, startingDeadlineMs: 1_000 });

    await new Promise((r) => setTimeout(r, 3_000));
    const outageAt = Date.now();
    expect(await Promise.all(cluster.nodes.map((n) => stopNode(n)))).toEqual([0, 0, 0]);
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    const restartAt = Date.now();
    const settings = { db: cluster.url, ids: [], executors: [RECORDING_FUNCTIONS], history: cluster.historyFile, leaseMs: LEASE_MS, concurrency: 20 };
    const again = ['m4', 'm5', 'm6'].map((id) => startNode(settings, id));
    cluster.nodes.push(...again);
    await waitUntil(async () => (await store.nodeList()).filter((n) => n.stoppedAt === null).length === 3, 20_000, 'the new nodes to register');
    await new Promise((r) => setTimeout(r, 4_000));
    expect(await Promise.all(again.map((n) => stopNode(n)))).toEqual([0, 0, 0]);

    const tasksOf = async (s: Schedule): Promise<Task[]> => (await store.taskList({ scheduleId: s.id, limit: 1_000 })).sort((a, b) => a.fireAt - b.fireAt);
    // Misfired: fire times first peeled after the restart, more than the grace after they fell due.
    const misfired = (tasks: Task[]): Task[] => tasks.filter((t) => t.createdAt >= restartAt && t.fireAt < t.createdAt - GRACE_MS);
    const states = (tasks: Task[]): string[] => tasks.map((t) => t.state);

    const skipped = misfired(await tasksOf(skip));
    expect(skipped.length).toBeGreaterThanOrEqual(4);
    expect(new Set(states(skipped))).toEqual(new Set(['missed']));

    const coalesced = misfired(await tasksOf(once));
    expect(coalesced.length).toBeGreaterThanOrEqual(4);
    expect(states(coalesced).filter((s) => s === 'completed')).toHaveLength(1);
    expect(states(coalesced).filter((s) => s === 'coalesced')).toHaveLength(coalesced.length - 1);
    // The one run is the latest misfired fire time.
    expect(coalesced.at(-1)?.state).toBe('completed');

    const caughtUp = misfired(await tasksOf(all));
    expect(caughtUp.length).toBeGreaterThanOrEqual(4);
    expect(states(caughtUp).slice(-2)).toEqual(['completed', 'completed']);
    expect(new Set(states(caughtUp).slice(0, -2))).toEqual(new Set(['missed']));

    // Peeled before the outage, due during it, past the 1 s starting deadline when nodes came back.
    const stranded = (await tasksOf(deadline)).filter((t) => t.createdAt < outageAt && t.fireAt > outageAt + 1_000 && t.fireAt < restartAt - 2_000);
    expect(stranded.length).toBeGreaterThan(0);
    for (const t of stranded) {
      expect(t.state).toBe('missed');
      expect(t.reason).toMatch(/deadline/);
    }
  }, 90_000);
});
