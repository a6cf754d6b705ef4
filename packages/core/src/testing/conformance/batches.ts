import { describe, expect, it } from 'vitest';
import {
  LEASE,
  makeNewTask,
  makePolicies,
  makeSchedule,
  OWNER_A,
  OWNER_B,
  type ConformanceContext,
} from '../fixtures.js';

/**
 * The batch forms of the hot paths: several attempts' outcomes committed together, several
 * peels written together. Each item is judged on its own lease, exactly as its single form.
 */
export function describeBatches(ctx: ConformanceContext): void {
  describe('batches', () => {
    it('taskFinishMany commits each held attempt with its own outcome and answers the lost ones undefined, leaving them unchanged', async () => {
      const { store, t0, running, taskOf } = ctx;
      const a = (await running()).task;
      const b = (await running()).task;
      const c = (await running()).task;
      const d = (await running()).task;
      const e = (await running()).task;
      const staleBefore = await taskOf(d.id);
      const otherBefore = await taskOf(e.id);
      const at = t0 + 50;
      const answers = await store.taskFinishMany({
        finishes: [
          {
            taskId: a.id,
            owner: OWNER_A,
            fence: a.fence,
            nodeId: 'node-a',
            outcome: { state: 'completed', result: null, reason: null },
          },
          {
            taskId: d.id,
            owner: OWNER_A,
            fence: d.fence - 1,
            nodeId: 'node-a',
            outcome: { state: 'completed', result: null, reason: null },
          },
          {
            taskId: b.id,
            owner: OWNER_A,
            fence: b.fence,
            nodeId: 'node-a',
            outcome: { state: 'completed', result: { n: 2 }, reason: 'ok' },
          },
          {
            taskId: e.id,
            owner: OWNER_B,
            fence: e.fence,
            nodeId: 'node-b',
            outcome: { state: 'completed', result: null, reason: null },
          },
          {
            taskId: c.id,
            owner: OWNER_A,
            fence: c.fence,
            nodeId: 'node-a',
            outcome: { state: 'pending', dueAt: t0 + 900, error: 'boom', countFailure: true, reason: 'retry' },
          },
        ],
        now: at,
      });
      expect(answers.map((t) => t?.id)).toEqual([a.id, undefined, b.id, undefined, c.id]);
      expect(answers[0]).toMatchObject({
        state: 'completed',
        result: null,
        endedAt: at,
        leaseOwner: null,
        fence: a.fence,
      });
      expect(answers[2]).toMatchObject({ state: 'completed', result: { n: 2 }, reason: 'ok', endedAt: at });
      expect(answers[4]).toMatchObject({
        state: 'pending',
        dueAt: t0 + 900,
        error: 'boom',
        failures: 1,
        reason: 'retry',
        leaseOwner: null,
      });
      for (const t of [answers[0], answers[2], answers[4]]) expect(await store.taskGet(t?.id ?? '')).toEqual(t);
      expect(await taskOf(d.id)).toEqual(staleBefore);
      expect(await taskOf(e.id)).toEqual(otherBefore);
      expect((await store.taskEvents(b.id)).at(-1)).toEqual({
        taskId: b.id,
        at,
        from: 'running',
        to: 'completed',
        nodeId: 'node-a',
        reason: 'ok',
        fence: b.fence,
      });
      expect(await store.taskEvents(d.id)).toHaveLength(2);
    });

    it('taskFinishMany commits a task listed twice once, and an empty batch is a no-op', async () => {
      const { store, t0, running } = ctx;
      const { task } = await running();
      const finish = {
        taskId: task.id,
        owner: OWNER_A,
        fence: task.fence,
        nodeId: 'node-a',
        outcome: { state: 'completed', result: null, reason: null },
      } as const;
      const answers = await store.taskFinishMany({ finishes: [finish, finish], now: t0 + 5 });
      expect(answers.map((t) => t?.state)).toEqual(['completed', undefined]);
      expect((await store.taskEvents(task.id)).filter((e) => e.to === 'completed')).toHaveLength(1);
      expect(await store.taskFinishMany({ finishes: [], now: t0 + 6 })).toEqual([]);
    });

    it('taskFinishMany releases the run slot of a skip task in the batch, so the next one starts rather than being skipped', async () => {
      const { store, t0, running, claim } = ctx;
      const { task } = await running({
        schedule: { policies: makePolicies({ duplicate: 'skip' }) },
        tasks: [
          { fireAt: t0, dueAt: t0 },
          { fireAt: t0 + 10, dueAt: t0 + 10 },
        ],
      });
      await store.taskFinishMany({
        finishes: [
          {
            taskId: task.id,
            owner: OWNER_A,
            fence: task.fence,
            nodeId: 'node-a',
            outcome: { state: 'completed', result: null, reason: null },
          },
        ],
        now: t0 + 5,
      });
      const { started, settled } = await claim({ now: t0 + 11 });
      expect(settled).toEqual([]);
      expect(started.map((t) => t.fireAt)).toEqual([t0 + 10]);
    });

    it('schedulePeelMany writes each held peel, leaves a peel whose lease was lost alone, and skips a fire time that already has a task', async () => {
      const { store, t0, exec } = ctx;
      const s1 = makeSchedule({ executor: exec, nextFireAt: t0 });
      const s2 = makeSchedule({ executor: exec, nextFireAt: t0 });
      const s3 = makeSchedule({ executor: exec, nextFireAt: t0 });
      await store.scheduleCreateMany([s1, s2, s3]);
      const claimed = await store.scheduleClaimDue({
        owner: 'peeler',
        limit: 10,
        lookaheadMs: 0,
        leaseMs: LEASE,
        now: t0,
      });
      const fence = (id: string): number => claimed.find((s) => s.id === id)?.fence ?? -1;
      expect(claimed).toHaveLength(3);
      // s2 already has a task at t0 + 1000 (peeled earlier by the same holder, say).
      const existing = makeNewTask({ fireAt: t0 + 1_000, dueAt: t0 + 1_000 });
      const first = makeNewTask({ fireAt: t0, dueAt: t0 });
      const again = makeNewTask({ fireAt: t0 + 1_000, dueAt: t0 + 1_000 });
      const s1Task = makeNewTask({ fireAt: t0, dueAt: t0 });
      const s3Task = makeNewTask({ fireAt: t0, dueAt: t0 });
      const results = await store.schedulePeelMany({
        peels: [
          {
            scheduleId: s1.id,
            owner: 'peeler',
            fence: fence(s1.id),
            tasks: [s1Task],
            nextFireAt: null,
            gateTaskId: null,
            nodeId: 'peeler-node',
          },
          {
            scheduleId: s2.id,
            owner: 'peeler',
            fence: fence(s2.id),
            tasks: [first, existing],
            nextFireAt: t0 + 2_000,
            gateTaskId: null,
            nodeId: 'peeler-node',
          },
          {
            scheduleId: s3.id,
            owner: 'someone-else',
            fence: fence(s3.id),
            tasks: [s3Task],
            nextFireAt: null,
            gateTaskId: null,
            nodeId: 'peeler-node',
          },
        ],
        now: t0 + 1,
      });
      expect(results.map((r) => r.ok)).toEqual([true, true, false]);
      expect(results[0]?.created.map((t) => t.id)).toEqual([s1Task.id]);
      expect(results[1]?.created.map((t) => t.id).sort()).toEqual([first.id, existing.id].sort());
      expect(results[2]?.created).toEqual([]);
      expect(await store.scheduleGet(s1.id)).toMatchObject({ nextFireAt: null, leaseOwner: null });
      expect(await store.scheduleGet(s2.id)).toMatchObject({ nextFireAt: t0 + 2_000, leaseOwner: null });
      expect(await store.scheduleGet(s3.id)).toMatchObject({ nextFireAt: t0, leaseOwner: 'peeler' });
      expect(await store.taskList({ scheduleId: s3.id, limit: 10 })).toEqual([]);
      expect((await store.taskEvents(s1Task.id))[0]).toMatchObject({
        from: null,
        to: 'pending',
        nodeId: 'peeler-node',
        at: t0 + 1,
      });

      // A second peel of s2 with a new task for an existing fire time: the existing one stays.
      const [again2] = await store.scheduleClaimDue({
        owner: 'peeler',
        limit: 10,
        lookaheadMs: 5_000,
        leaseMs: LEASE,
        now: t0 + 2,
      });
      expect(again2?.id).toBe(s2.id);
      const [second] = await store.schedulePeelMany({
        peels: [
          {
            scheduleId: s2.id,
            owner: 'peeler',
            fence: again2?.fence ?? -1,
            tasks: [again],
            nextFireAt: null,
            gateTaskId: again.id,
            nodeId: 'peeler-node',
          },
        ],
        now: t0 + 3,
      });
      expect(second).toEqual({ ok: true, created: [] });
      expect((await store.taskList({ scheduleId: s2.id, limit: 10 })).map((t) => t.id).sort()).toEqual(
        [first.id, existing.id].sort(),
      );
      // The gate named a task that was not inserted: the schedule is not gated on it.
      expect((await store.scheduleGet(s2.id))?.gateTaskId ?? null).toBeNull();
    });
  });
}
