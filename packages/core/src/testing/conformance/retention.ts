import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from '../fixtures.js';

/** Retention: pruning old finished tasks (with their events and logs) and long-gone nodes. */
export function describeRetention(ctx: ConformanceContext): void {
  describe('retention', () => {
    const done = { state: 'completed' as const, result: null, reason: null };

    it('deletes terminal tasks that ended before the cutoff, with their events and logs, and nothing else', async () => {
      const { store, t0, seed, claim, finishAsA } = ctx;
      const { tasks } = await seed({ tasks: [{ dueAt: t0 }, { dueAt: t0 }, { dueAt: t0 }, { dueAt: t0 + 60_000 }] });
      const started = (await claim({ limit: 3 })).started;
      const [old, recent, stillRunning] = started;
      if (!old || !recent || !stillRunning) throw new Error('three tasks should have started');
      await finishAsA({ id: old.id, fence: old.fence }, done, t0 + 1_000);
      await finishAsA({ id: recent.id, fence: recent.fence }, done, t0 + 9_000);
      await store.taskLogAppend({ taskId: old.id, lines: [{ at: t0 + 500, line: 'old line' }] });
      await store.taskLogAppend({ taskId: recent.id, lines: [{ at: t0 + 8_500, line: 'recent line' }] });

      expect(await store.historyPrune({ endedBefore: t0 + 5_000, limit: 100 })).toBe(1);
      expect(await store.taskGet(old.id)).toBeUndefined();
      expect(await store.taskEvents(old.id)).toEqual([]);
      expect(await store.taskLogRead({ taskId: old.id })).toEqual([]);
      // The newer finished task, the running one and the pending one stay, with their history.
      expect((await store.taskGet(recent.id))?.state).toBe('completed');
      expect((await store.taskEvents(recent.id)).length).toBeGreaterThan(0);
      expect((await store.taskLogRead({ taskId: recent.id })).map((l) => l.line)).toEqual(['recent line']);
      expect((await store.taskGet(stillRunning.id))?.state).toBe('running');
      expect((await store.taskGet(tasks[3]?.id ?? ''))?.state).toBe('pending');
      // Nothing older is left: a second pass deletes nothing.
      expect(await store.historyPrune({ endedBefore: t0 + 5_000, limit: 100 })).toBe(0);
    });

    it('deletes at most `limit` tasks per call, oldest first', async () => {
      const { store, t0, seed, claim, finishAsA } = ctx;
      await seed({ tasks: [{ dueAt: t0 }, { dueAt: t0 }, { dueAt: t0 }] });
      const started = (await claim()).started;
      for (const [i, t] of started.entries()) await finishAsA({ id: t.id, fence: t.fence }, done, t0 + 1_000 * (i + 1));
      expect(await store.historyPrune({ endedBefore: t0 + 10_000, limit: 2 })).toBe(2);
      const left = started.filter((t) => t.id !== started[0]?.id && t.id !== started[1]?.id);
      expect((await store.taskList({ limit: 10 })).map((t) => t.id)).toEqual(left.map((t) => t.id));
    });

    it('deletes nodes that stopped or went silent before the cutoff, and keeps the others', async () => {
      const { store, t0 } = ctx;
      const node = { host: 'h', pid: 1, executors: ['x'], clockOffsetMs: 0 };
      for (const id of ['stopped-long-ago', 'stopped-lately', 'silent', 'alive'])
        await store.nodeRegister({ ...node, id });
      await store.nodeStop({ id: 'stopped-long-ago', now: t0 + 1_000 });
      await store.nodeStop({ id: 'stopped-lately', now: t0 + 20_000 });
      await store.nodeHeartbeat({ id: 'silent', clockOffsetMs: 0, now: t0 + 2_000 });
      await store.nodeHeartbeat({ id: 'alive', clockOffsetMs: 0, now: t0 + 30_000 });
      expect(await store.nodePrune({ seenBefore: t0 + 10_000 })).toBe(2);
      expect((await store.nodeList()).map((n) => n.id).sort()).toEqual(['alive', 'stopped-lately']);
    });
  });
}
