import { describe, expect, it } from 'vitest';
import { unresolvedReason } from '../../datastore/ledger-reasons.js';
import type { ConformanceContext } from '../fixtures.js';

/** One hour, the unresolved bound of these tests. */
const BOUND = 3_600_000;

/**
 * Work nobody can run: the backlog of pending tasks whose executor no live node offers, and
 * the settling of such tasks as `failed` once nobody has offered their executor for the bound.
 */
export function describeUnresolved(ctx: ConformanceContext): void {
  describe('unresolved tasks', () => {
    /** Registers a node offering `executors`, last seen (heartbeat) at `seenAt`. */
    async function nodeSeen(id: string, executors: string[], seenAt: number): Promise<void> {
      await ctx.store.nodeRegister({ id, host: 'host', pid: 1, executors, clockOffsetMs: 0 });
      await ctx.store.nodeHeartbeat({ id, clockOffsetMs: 0, now: seenAt });
    }

    it('counts pending tasks by executor, of the executors no node seen since the instant offers', async () => {
      const { store, t0, exec, seed, claim } = ctx;
      await seed({
        schedule: { executor: `${exec}-a` },
        tasks: [{ dueAt: t0 - 5_000 }, { dueAt: t0 - 9_000 }, { dueAt: t0 + 60_000 }],
      });
      await seed({ schedule: { executor: `${exec}-b` }, tasks: [{ dueAt: t0 - 1_000 }] });
      await seed({ schedule: { executor: `${exec}-c` }, tasks: [{ dueAt: t0 - 1_000 }] });
      await seed({ tasks: [{ dueAt: t0 - 1_000 }] });
      expect((await claim()).started).toHaveLength(1); // running: not a backlog
      await nodeSeen('offers-b', [`${exec}-b`], t0);
      await nodeSeen('gone-c', [`${exec}-c`], t0 - 10_000);
      expect(await store.taskBacklogUnoffered({ offeredSince: t0 - 1_000 })).toEqual([
        { executor: `${exec}-a`, pending: 3, oldestDueAt: t0 - 9_000 },
        { executor: `${exec}-c`, pending: 1, oldestDueAt: t0 - 1_000 },
      ]);
      expect(await store.taskBacklogUnoffered({ offeredSince: t0 - 20_000 })).toEqual([
        { executor: `${exec}-a`, pending: 3, oldestDueAt: t0 - 9_000 },
      ]);
    });

    it('a stopped node offers its executors until it stopped', async () => {
      const { store, t0, exec, seed } = ctx;
      await seed({ tasks: [{ dueAt: t0 - 1_000 }] });
      await nodeSeen('stopped', [exec], t0 - 5_000);
      await store.nodeStop({ id: 'stopped', now: t0 - 2_000 });
      expect(await store.taskBacklogUnoffered({ offeredSince: t0 - 3_000 })).toEqual([]);
      expect((await store.taskBacklogUnoffered({ offeredSince: t0 - 1_000 })).map((b) => b.executor)).toEqual([exec]);
    });

    it('fails pending tasks due a bound ago whose executor no node offered for the bound, with the reason, an event and the gate released', async () => {
      const { store, t0, exec, seed, taskOf } = ctx;
      const old = await seed({
        tasks: [{ dueAt: t0 - BOUND - 1 }, { dueAt: t0 - BOUND }, { dueAt: t0 - BOUND + 1 }],
        gate: 'first-task',
      });
      await nodeSeen('left-long-ago', [exec], t0 - BOUND - 1);
      const settled = await store.taskSettleUnresolved({
        nodeId: 'node-a',
        unresolvedAfterMs: BOUND,
        limit: 10,
        now: t0,
      });
      const reason = unresolvedReason(exec);
      expect(reason).toBe(`unresolved: no node offers executor ${exec}`);
      expect(settled.map((t) => t.id).sort()).toEqual([old.tasks[0]?.id, old.tasks[1]?.id].sort());
      for (const t of settled) {
        expect(t).toMatchObject({ state: 'failed', reason, error: reason, endedAt: t0, attempt: 0, fence: 0 });
        expect(await taskOf(t.id)).toEqual(t);
        expect((await store.taskEvents(t.id)).at(-1)).toEqual({
          taskId: t.id,
          at: t0,
          from: 'pending',
          to: 'failed',
          nodeId: 'node-a',
          reason,
          fence: 0,
        });
      }
      expect((await taskOf(old.tasks[2]?.id ?? '')).state).toBe('pending');
      expect((await store.scheduleGet(old.schedule.id))?.gateTaskId).toBeNull();
      expect(
        await store.taskSettleUnresolved({ nodeId: 'node-b', unresolvedAfterMs: BOUND, limit: 10, now: t0 }),
      ).toEqual([]);
    });

    it('leaves the tasks of an executor a node offered within the bound, and tasks not pending', async () => {
      const { store, t0, exec, seed, claim, taskOf } = ctx;
      const offered = await seed({ schedule: { executor: `${exec}-offered` }, tasks: [{ dueAt: t0 - 2 * BOUND }] });
      await nodeSeen('recent', [`${exec}-offered`], t0 - BOUND + 1);
      const running = await seed({ tasks: [{ dueAt: t0 - 2 * BOUND }] });
      expect((await claim()).started).toHaveLength(1);
      expect(
        await store.taskSettleUnresolved({ nodeId: 'node-a', unresolvedAfterMs: BOUND, limit: 10, now: t0 }),
      ).toEqual([]);
      expect((await taskOf(offered.tasks[0]?.id ?? '')).state).toBe('pending');
      expect((await taskOf(running.tasks[0]?.id ?? '')).state).toBe('running');
    });

    it('settles at most limit tasks per call, highest priority then earliest due first', async () => {
      const { store, t0, seed } = ctx;
      const { tasks } = await seed({
        tasks: [{ dueAt: t0 - BOUND - 3 }, { dueAt: t0 - BOUND - 2 }, { dueAt: t0 - BOUND - 1 }],
      });
      const first = await store.taskSettleUnresolved({ nodeId: 'node-a', unresolvedAfterMs: BOUND, limit: 2, now: t0 });
      expect(first.map((t) => t.id)).toEqual([tasks[0]?.id, tasks[1]?.id]);
      const second = await store.taskSettleUnresolved({
        nodeId: 'node-a',
        unresolvedAfterMs: BOUND,
        limit: 2,
        now: t0,
      });
      expect(second.map((t) => t.id)).toEqual([tasks[2]?.id]);
    });

    it('two concurrent settles fail each task once', async () => {
      const { store, t0, seed } = ctx;
      const { tasks } = await seed({ tasks: Array.from({ length: 6 }, (_, i) => ({ dueAt: t0 - BOUND - i })) });
      const results = await Promise.all(
        ['node-a', 'node-b'].map((nodeId) =>
          store.taskSettleUnresolved({ nodeId, unresolvedAfterMs: BOUND, limit: 10, now: t0 }),
        ),
      );
      const ids = results.flatMap((r) => r.map((t) => t.id));
      expect(ids.sort()).toEqual(tasks.map((t) => t.id).sort());
      for (const t of tasks) expect((await store.taskEvents(t.id)).filter((e) => e.to === 'failed')).toHaveLength(1);
    });
  });
}
