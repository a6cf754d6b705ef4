import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Json } from '../../json.js';
import type { Task } from '../../model/task.js';
import { TRICKY_PAYLOAD, type ConformanceContext } from '../fixtures.js';

/** Reading tasks: listing order and filters, unknown ids, JSON round trips. */
export function describeTaskReads(ctx: ConformanceContext): void {
  describe('task reads', () => {
    it('lists tasks newest fire time first, filtered by schedule and state, limited', async () => {
      const { store, t0, seed, claim } = ctx;
      const a = await seed({
        tasks: [{ fireAt: t0 - 3000 }, { fireAt: t0 - 2000 }, { fireAt: t0 - 1000, dueAt: t0 + 60_000 }],
      });
      const b = await seed({ tasks: [{ fireAt: t0 - 500 }] });
      await claim({ limit: 1 });
      const ids = (tasks: Task[]) => tasks.map((t) => t.id);
      const [a0, a1, a2] = a.tasks.map((t) => t.id);
      expect(ids(await store.taskList({ scheduleId: a.schedule.id }))).toEqual([a2, a1, a0]);
      expect(ids(await store.taskList({ scheduleId: a.schedule.id, limit: 2 }))).toEqual([a2, a1]);
      expect(ids(await store.taskList({ scheduleId: a.schedule.id, states: ['running'] }))).toEqual([a0]);
      expect(ids(await store.taskList({ states: ['pending'] }))).toEqual([b.tasks[0]?.id, a2, a1]);
      expect(ids(await store.taskList())).toEqual([b.tasks[0]?.id, a2, a1, a0]);
      expect(await store.taskList({ states: [] })).toEqual([]);
    });

    it('returns undefined and no events for an unknown task', async () => {
      const { store } = ctx;
      expect(await store.taskGet(randomUUID())).toBeUndefined();
      expect(await store.taskEvents(randomUUID())).toEqual([]);
    });

    it('round-trips payloads and results as JSON: unicode, nesting, SQL-looking strings', async () => {
      const { t0, running, taskOf, finishAsA } = ctx;
      const { task } = await running({ schedule: { payload: TRICKY_PAYLOAD } });
      expect(task.payload).toEqual(TRICKY_PAYLOAD);
      const result: Json = { echo: TRICKY_PAYLOAD, list: [["x'); DROP TABLE t;--"]] };
      const done = await finishAsA(task, { state: 'completed', result, reason: "x'); DROP TABLE t;--" }, t0 + 1);
      expect((await taskOf(task.id)).result).toEqual(result);
      expect(done?.reason).toBe("x'); DROP TABLE t;--");
    });
  });
}
