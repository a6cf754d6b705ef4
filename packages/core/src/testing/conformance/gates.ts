import { describe, expect, it } from 'vitest';
import { LEASE, makePolicies, OWNER_B, type ConformanceContext } from '../fixtures.js';

/** Schedule gates: `on-start`, `on-end`, `after-run`, and gate tasks that end without running. */
export function describeGates(ctx: ConformanceContext): void {
  describe('gates', () => {
    it('on-start: a schedule gated on a task is ungated when the task starts', async () => {
      const { store, t0, seed, claim } = ctx;
      const { schedule, tasks } = await seed({
        schedule: { policies: makePolicies({ taskCreation: 'on-start' }) },
        gate: 'first-task',
        nextFireAt: t0 + 60_000,
      });
      expect(schedule.gateTaskId).toBe(tasks[0]?.id);
      const claimGated = await store.scheduleClaimDue({
        owner: OWNER_B,
        limit: 10,
        lookaheadMs: 120_000,
        leaseMs: LEASE,
        now: t0,
      });
      expect(claimGated).toEqual([]);
      await claim();
      expect(await store.scheduleGet(schedule.id)).toMatchObject({ gateTaskId: null, nextFireAt: t0 + 60_000 });
      const claimed = await store.scheduleClaimDue({
        owner: OWNER_B,
        limit: 10,
        lookaheadMs: 120_000,
        leaseMs: LEASE,
        now: t0,
      });
      expect(claimed.map((s) => s.id)).toEqual([schedule.id]);
    });

    it('on-end: a retry keeps the gate; a terminal finish clears it', async () => {
      const { store, t0, claim, running, finishAsA } = ctx;
      const { schedule, task } = await running({
        schedule: { policies: makePolicies({ taskCreation: 'on-end' }) },
        gate: 'first-task',
        nextFireAt: t0 + 60_000,
      });
      expect((await store.scheduleGet(schedule.id))?.gateTaskId).toBe(task.id);
      await finishAsA(
        task,
        { state: 'pending', dueAt: t0 + 100, error: 'x', countFailure: true, reason: null },
        t0 + 50,
      );
      expect((await store.scheduleGet(schedule.id))?.gateTaskId).toBe(task.id);
      const [again] = (await claim({ now: t0 + 100 })).started;
      await finishAsA(
        { id: task.id, fence: again?.fence ?? 0 },
        { state: 'failed', error: 'x', reason: null },
        t0 + 200,
      );
      expect(await store.scheduleGet(schedule.id)).toMatchObject({ gateTaskId: null, nextFireAt: t0 + 60_000 });
    });

    it('after-run: the next fire time becomes the end of the run plus the delay', async () => {
      const { store, t0, running, finishAsA } = ctx;
      const { schedule, task } = await running({
        schedule: {
          trigger: { kind: 'after-run', delayMs: 5000 },
          policies: makePolicies({ taskCreation: 'on-end' }),
        },
        gate: 'first-task',
        nextFireAt: null,
      });
      expect(await store.scheduleGet(schedule.id)).toMatchObject({ gateTaskId: task.id, nextFireAt: null });
      await finishAsA(task, { state: 'completed', result: null, reason: null }, t0 + 1234);
      expect(await store.scheduleGet(schedule.id)).toMatchObject({ gateTaskId: null, nextFireAt: t0 + 1234 + 5000 });
    });

    it('a gate task that ends without running (missed, cancelled, abandoned) clears the gate', async () => {
      const { store, t0, seed, claim, running, taskOf } = ctx;
      const missed = await seed({
        schedule: { policies: makePolicies({ taskCreation: 'on-end' }) },
        tasks: [{ deadlineAt: t0 - 1 }],
        gate: 'first-task',
        nextFireAt: t0 + 60_000,
      });
      await claim();
      expect((await store.scheduleGet(missed.schedule.id))?.gateTaskId).toBeNull();
      const cancelled = await seed({
        schedule: { policies: makePolicies({ taskCreation: 'on-end' }) },
        tasks: [{ dueAt: t0 + 3_600_000 }],
        gate: 'first-task',
        nextFireAt: t0 + 60_000,
      });
      await store.taskRequestCancel({ taskId: cancelled.tasks[0]?.id ?? '', reason: 'no', now: t0 });
      expect((await store.scheduleGet(cancelled.schedule.id))?.gateTaskId).toBeNull();
      const { schedule, task } = await running({
        schedule: { policies: makePolicies({ taskCreation: 'on-end', delivery: 'at-most-once' }) },
        gate: 'first-task',
        nextFireAt: t0 + 60_000,
      });
      await store.taskRepairExpired({ nodeId: 'repairer', limit: 10, maxRepairs: 5, now: t0 + LEASE + 1 });
      expect((await taskOf(task.id)).state).toBe('abandoned');
      expect((await store.scheduleGet(schedule.id))?.gateTaskId).toBeNull();
    });
  });
}
