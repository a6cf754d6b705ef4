import { describe, expect, it } from 'vitest';
import { LEASE, makePolicies, OWNER_A, OWNER_B, type ConformanceContext } from '../fixtures.js';

/**
 * Claiming due tasks: the start transition, due time, executors, limit and order, concurrent
 * claimers, live leases, deadlines.
 */
export function describeTaskClaims(ctx: ConformanceContext): void {
  describe('task claims', () => {
    it('starts due tasks: running, attempt + 1, fence + 1, lease, node, start time, event', async () => {
      const { store, t0, seed, claim } = ctx;
      const { tasks } = await seed();
      const { started, settled } = await claim();
      expect(settled).toEqual([]);
      expect(started).toHaveLength(1);
      const task = started[0];
      expect(task).toMatchObject({
        id: tasks[0]?.id,
        state: 'running',
        attempt: 1,
        fence: 1,
        leaseOwner: OWNER_A,
        leaseExpiresAt: t0 + LEASE,
        nodeId: 'node-a',
        startedAt: t0,
      });
      expect(await store.taskGet(task?.id ?? '')).toEqual(task);
      expect((await store.taskEvents(task?.id ?? '')).at(-1)).toEqual({
        taskId: task?.id,
        at: t0,
        from: 'pending',
        to: 'running',
        nodeId: 'node-a',
        reason: null,
        fence: 1,
      });
    });

    it('claims nothing before dueAt, then claims at dueAt', async () => {
      const { t0, seed, claim } = ctx;
      await seed({ tasks: [{ dueAt: t0 + 1000 }] });
      expect(await claim({ now: t0 + 999 })).toEqual({ started: [], settled: [] });
      expect((await claim({ now: t0 + 1000 })).started).toHaveLength(1);
    });

    it('claims only tasks of the given executors', async () => {
      const { exec, seed, claim } = ctx;
      await seed();
      expect((await claim({ executors: ['someone-else'] })).started).toEqual([]);
      expect((await claim({ executors: ['someone-else', exec] })).started).toHaveLength(1);
    });

    it('starts at most limit tasks, highest priority first, then earliest due', async () => {
      const { t0, seed, claim } = ctx;
      const low = await seed({ tasks: [{ dueAt: t0 - 3000 }, { dueAt: t0 - 2000 }] });
      const high = await seed({ schedule: { policies: makePolicies({ priority: 5 }) }, tasks: [{ dueAt: t0 - 1000 }] });
      const first = await claim({ limit: 2 });
      expect(first.started.map((t) => t.id)).toEqual([high.tasks[0]?.id, low.tasks[0]?.id]);
      const second = await claim({ limit: 2 });
      expect(second.started.map((t) => t.id)).toEqual([low.tasks[1]?.id]);
    });

    it('takes every priority level in order, passing over levels and tasks not yet due', async () => {
      const { t0, seed, claim } = ctx;
      const at = (priority: number, ...dueAts: number[]) =>
        seed({ schedule: { policies: makePolicies({ priority }) }, tasks: dueAts.map((dueAt) => ({ dueAt })) });
      const top = await at(9, t0 + 60_000);
      const five = await at(5, t0 + 60_000, t0 - 1000);
      const zero = await at(0, t0 - 2000, t0 + 60_000, t0 - 3000);
      const low = await at(-2, t0 - 500);
      const ids = (r: { started: { id: string }[] }) => r.started.map((t) => t.id);
      expect(ids(await claim({ limit: 10 }))).toEqual([
        five.tasks[1]?.id,
        zero.tasks[2]?.id,
        zero.tasks[0]?.id,
        low.tasks[0]?.id,
      ]);
      expect(ids(await claim({ limit: 10 }))).toEqual([]);
      expect(ids(await claim({ limit: 2, now: t0 + 60_000 }))).toEqual([top.tasks[0]?.id, five.tasks[0]?.id]);
      expect(ids(await claim({ limit: 2, now: t0 + 60_000 }))).toEqual([zero.tasks[1]?.id]);
    });

    it('four concurrent claims never start one task twice and together start exactly the due ones', async () => {
      const { t0, seed, claim, taskOf } = ctx;
      const due = await seed({ tasks: Array.from({ length: 12 }, () => ({})) });
      await seed({ tasks: Array.from({ length: 3 }, () => ({ dueAt: t0 + 60_000 })) });
      const results = await Promise.all(
        [1, 2, 3, 4].map((i) => claim({ owner: `owner-${i}`, nodeId: `node-${i}`, limit: 5 })),
      );
      const ids = results.flatMap((r) => r.started.map((t) => t.id));
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.sort()).toEqual(due.tasks.map((t) => t.id).sort());
      for (const [i, r] of results.entries()) {
        for (const t of r.started) expect(await taskOf(t.id)).toMatchObject({ leaseOwner: `owner-${i + 1}`, fence: 1 });
      }
    });

    it('does not take a running task whose lease is live', async () => {
      const { t0, claim, running } = ctx;
      await running();
      expect((await claim({ owner: OWNER_B, now: t0 + LEASE - 1 })).started).toEqual([]);
      expect((await claim({ owner: OWNER_B, now: t0 + LEASE + 1 })).started).toEqual([]);
    });

    it('records a pending task past its deadline as missed in settled, and starts one within it', async () => {
      const { store, t0, seed, claim, taskOf } = ctx;
      const { tasks } = await seed({ tasks: [{ deadlineAt: t0 - 1 }, { deadlineAt: t0 + 1000 }] });
      const { started, settled } = await claim();
      expect(started.map((t) => t.id)).toEqual([tasks[1]?.id]);
      expect(settled).toHaveLength(1);
      const reason = 'missed: not started before its starting deadline';
      expect(settled[0]).toMatchObject({ id: tasks[0]?.id, state: 'missed', endedAt: t0, leaseOwner: null, reason });
      expect(await taskOf(tasks[0]?.id ?? '')).toMatchObject({ state: 'missed', reason });
      expect((await store.taskEvents(tasks[0]?.id ?? '')).at(-1)).toMatchObject({
        from: 'pending',
        to: 'missed',
        at: t0,
        reason,
      });
    });
  });
}
