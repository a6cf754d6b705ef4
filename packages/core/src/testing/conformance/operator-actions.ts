import { randomUUID } from 'node:crypto';
import { MANUAL_RUN_REASON, OPERATOR_RETRY_REASON } from '../../datastore/ledger-reasons.js';
import { describe, expect, it } from 'vitest';
import type { NewJob } from '../../datastore/datastore.js';
import { makePolicies, type ConformanceContext } from '../fixtures.js';

/**
 * An operator's actions: an extra run of a schedule now, the retry of a task that ended
 * without completing, and pause and retire withdrawing the planned tasks that are due but not
 * claimed.
 */
export function describeOperatorActions(ctx: ConformanceContext): void {
  describe('operator actions', () => {
    it('runs a schedule now: a pending task of it due now, recorded as manual, with its policies; the schedule does not move', async () => {
      const { t0, store, seed, claim } = ctx;
      const { schedule } = await seed({
        schedule: { policies: makePolicies({ priority: 7 }) },
        tasks: [],
        nextFireAt: t0 + 60_000,
      });
      const task = await store.scheduleRunNow({
        scheduleId: schedule.id,
        taskId: randomUUID(),
        reason: MANUAL_RUN_REASON,
        now: t0 + 5,
      });
      expect(task).toMatchObject({
        scheduleId: schedule.id,
        origin: 'manual',
        fireAt: t0 + 5,
        dueAt: t0 + 5,
        state: 'pending',
        attempt: 0,
        reason: MANUAL_RUN_REASON,
        payload: schedule.payload,
      });
      expect(task?.policies.priority).toBe(7);
      expect(await store.taskEvents(task?.id ?? '')).toMatchObject([
        { from: null, to: 'pending', reason: MANUAL_RUN_REASON, at: t0 + 5 },
      ]);
      expect((await store.scheduleGet(schedule.id))?.nextFireAt).toBe(t0 + 60_000);
      const [started] = (await claim({ now: t0 + 5 })).started;
      expect(started?.id).toBe(task?.id);
      // Its origin outlives the reason its attempts write.
      const done = await ctx.finishAsA(
        { id: started?.id ?? '', fence: started?.fence ?? 0 },
        { state: 'completed', result: null, reason: 'completed on node-a' },
        t0 + 6,
      );
      expect(done).toMatchObject({ origin: 'manual', reason: 'completed on node-a' });
      expect(await store.taskList({ scheduleId: schedule.id, limit: 10 })).toMatchObject([
        { id: task?.id, origin: 'manual' },
      ]);
    });

    it('runs a paused schedule now with a payload of its own, takes the next free millisecond, and refuses a retired one', async () => {
      const { t0, store, seed } = ctx;
      const { schedule, tasks } = await seed({ tasks: [{ fireAt: t0 + 5, dueAt: t0 + 5 }], nextFireAt: t0 + 60_000 });
      await store.scheduleSetState({ id: schedule.id, state: 'paused', now: t0 + 1 });
      // Pausing withdrew the planned task: the extra run takes its fire time again.
      expect(await store.taskGet(tasks[0]?.id ?? '')).toBeUndefined();
      const first = await store.scheduleRunNow({
        scheduleId: schedule.id,
        taskId: randomUUID(),
        reason: 'manual',
        payload: { only: 'this run' },
        now: t0 + 5,
      });
      const second = await store.scheduleRunNow({
        scheduleId: schedule.id,
        taskId: randomUUID(),
        reason: 'manual',
        now: t0 + 5,
      });
      expect(first).toMatchObject({ fireAt: t0 + 5, payload: { only: 'this run' } });
      expect(second).toMatchObject({ fireAt: t0 + 6, dueAt: t0 + 5, payload: schedule.payload });
      expect((await store.scheduleGet(schedule.id))?.state).toBe('paused');
      await store.scheduleSetState({ id: schedule.id, state: 'retired', nextFireAt: null, now: t0 + 7 });
      expect(
        await store.scheduleRunNow({ scheduleId: schedule.id, taskId: randomUUID(), reason: 'manual', now: t0 + 8 }),
      ).toBeUndefined();
      expect(
        await store.scheduleRunNow({ scheduleId: randomUUID(), taskId: randomUUID(), reason: 'manual', now: t0 + 8 }),
      ).toBeUndefined();
    });

    it('retries a failed task: pending again with its attempt, a new fence at its next claim, and an old fence writes nothing', async () => {
      const { t0, store, running, finishAsA, claim } = ctx;
      const { task } = await running();
      await finishAsA(task, { state: 'failed', error: 'boom', reason: null }, t0 + 1);
      const result = await store.taskRetry({ taskId: task.id, reason: OPERATOR_RETRY_REASON, now: t0 + 10 });
      expect(result).toMatchObject({
        outcome: 'retried',
        task: {
          state: 'pending',
          attempt: 1,
          fence: task.fence,
          dueAt: t0 + 10,
          reason: OPERATOR_RETRY_REASON,
          leaseOwner: null,
        },
      });
      expect((await store.taskEvents(task.id)).at(-1)).toMatchObject({
        from: 'failed',
        to: 'pending',
        reason: OPERATOR_RETRY_REASON,
        at: t0 + 10,
        nodeId: null,
      });
      const [again] = (await claim({ now: t0 + 10 })).started;
      expect(again).toMatchObject({ id: task.id, attempt: 2, fence: task.fence + 1, state: 'running' });
      expect(await finishAsA(task, { state: 'completed', result: null, reason: null }, t0 + 11)).toBeUndefined();
      expect(
        (
          await finishAsA(
            { id: task.id, fence: task.fence + 1 },
            { state: 'completed', result: null, reason: null },
            t0 + 12,
          )
        )?.state,
      ).toBe('completed');
    });

    it('retries cancelled, missed and abandoned tasks (a missed one loses its deadline) and refuses every other state', async () => {
      const { t0, store, seed, claim, running, finishAsA } = ctx;
      const { tasks } = await seed({
        tasks: [{ dueAt: t0 + 1_000 }, { dueAt: t0, deadlineAt: t0 + 1 }, { dueAt: t0 + 50_000 }],
      });
      const [cancelled, missed, pending] = tasks;
      await store.taskRequestCancel({ taskId: cancelled?.id ?? '', reason: 'operator', now: t0 + 2 });
      await claim({ now: t0 + 2 });
      expect((await ctx.taskOf(missed?.id ?? '')).state).toBe('missed');
      for (const t of [cancelled, missed])
        expect((await store.taskRetry({ taskId: t?.id ?? '', reason: 'again', now: t0 + 3 }))?.outcome).toBe('retried');
      expect(await ctx.taskOf(missed?.id ?? '')).toMatchObject({ state: 'pending', deadlineAt: null });
      const refused = await store.taskRetry({ taskId: pending?.id ?? '', reason: 'again', now: t0 + 3 });
      expect(refused).toMatchObject({ outcome: 'refused-state', task: { state: 'pending' } });
      const { task } = await running({ schedule: { policies: makePolicies({ delivery: 'at-most-once' }) } });
      await store.taskRepairExpired({ nodeId: 'repairer', limit: 10, maxRepairs: 5, now: t0 + 60_000 });
      expect((await ctx.taskOf(task.id)).state).toBe('abandoned');
      expect((await store.taskRetry({ taskId: task.id, reason: 'again', now: t0 + 60_001 }))?.outcome).toBe('retried');
      const completed = await running();
      await finishAsA(completed.task, { state: 'completed', result: null, reason: null }, t0 + 1);
      expect((await store.taskRetry({ taskId: completed.task.id, reason: 'again', now: t0 + 2 }))?.outcome).toBe(
        'refused-state',
      );
      expect(await store.taskRetry({ taskId: randomUUID(), reason: 'again' })).toBeUndefined();
    });

    it('a retried job takes its key again, and is refused while another live task holds the key', async () => {
      const { t0, store, exec, claim } = ctx;
      const job = (key: string): NewJob => ({
        id: randomUUID(),
        executor: exec,
        payload: null,
        policies: {
          duplicate: 'run',
          retry: { kind: 'none', maxAttempts: 1, delayMs: 1000, factor: 2, maxDelayMs: 1000, jitter: 0 },
          timeoutMs: null,
          priority: 0,
          delivery: 'at-least-once',
          taskCreation: 'ahead',
        },
        runAt: t0,
        key,
        keyLock: null,
      });
      const [first] = await store.taskEnqueue({ jobs: [job('k-1')], now: t0 });
      expect(first?.task.origin).toBe('job');
      await store.taskRequestCancel({ taskId: first?.task.id ?? '', reason: 'operator', now: t0 + 1 });
      const [holder] = await store.taskEnqueue({ jobs: [job('k-1')], now: t0 + 2 });
      expect(holder?.created).toBe(true);
      const refused = await store.taskRetry({ taskId: first?.task.id ?? '', reason: 'again', now: t0 + 3 });
      expect(refused).toMatchObject({ outcome: 'refused-key', holder: { id: holder?.task.id } });
      expect((await ctx.taskOf(first?.task.id ?? '')).state).toBe('cancelled');
      await store.taskRequestCancel({ taskId: holder?.task.id ?? '', reason: 'operator', now: t0 + 4 });
      expect((await store.taskRetry({ taskId: first?.task.id ?? '', reason: 'again', now: t0 + 5 }))?.outcome).toBe(
        'retried',
      );
      const [again] = await store.taskEnqueue({ jobs: [job('k-1')], now: t0 + 6 });
      expect(again).toMatchObject({ created: false, task: { id: first?.task.id } });
      expect((await claim({ now: t0 + 6 })).started.map((t) => t.id)).toEqual([first?.task.id]);
    });

    for (const state of ['paused', 'retired'] as const) {
      it(`${state === 'paused' ? 'pause' : 'retire'} withdraws the planned tasks that fell due and were not claimed: none starts after it returns`, async () => {
        const { t0, store, seed, claim } = ctx;
        const { schedule, tasks } = await seed({
          tasks: [
            { fireAt: t0 - 2_000, dueAt: t0 - 2_000 },
            { fireAt: t0 - 1_000, dueAt: t0 - 1_000 },
            { fireAt: t0 + 10_000, dueAt: t0 + 10_000 },
          ],
          nextFireAt: t0 + 20_000,
        });
        const [running] = (await claim({ limit: 1 })).started;
        expect(running?.id).toBe(tasks[0]?.id);
        await store.scheduleSetState({
          id: schedule.id,
          state,
          ...(state === 'retired' ? { nextFireAt: null } : {}),
          now: t0 + 1,
        });
        expect((await claim({ now: t0 + 60_000 })).started).toEqual([]);
        const left = await store.taskList({ scheduleId: schedule.id, limit: 10 });
        expect(left.map((t) => [t.id, t.state])).toEqual([[running?.id, 'running']]);
        for (const t of tasks.slice(1)) expect(await store.taskEvents(t.id)).toEqual([]);
      });
    }
  });
}
