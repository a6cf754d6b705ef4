import { describe, expect, it } from 'vitest';
import type { TaskOutcome } from '../../datastore/datastore.js';
import type { Schedule } from '../../model/schedule.js';
import { LEASE, makePolicies, type ConformanceContext, type SeedOptions } from '../fixtures.js';

/** A `once` schedule at `at`, whose only task is peeled, with its policies overridden by `policies`. */
function onceSeed(at: number, policies: Parameters<typeof makePolicies>[0] = {}): SeedOptions {
  return {
    schedule: { trigger: { kind: 'once', at }, policies: makePolicies(policies) },
    tasks: [{ fireAt: at, dueAt: at }],
    nextFireAt: null,
  };
}

/**
 * `once` schedules end: the schedule is `done` as soon as its only task reaches a terminal
 * state, by whichever path (finish, cancel, missed, repair, unresolved, a misfire row at peel),
 * never before; a done schedule cannot change state, and retention deletes it with its ledger.
 */
export function describeOnceDone(ctx: ConformanceContext): void {
  describe('once schedules end', () => {
    const stateOf = async (s: Schedule): Promise<string | undefined> => (await ctx.store.scheduleGet(s.id))?.state;

    for (const duplicate of ['run', 'skip'] as const) {
      it(`is done when its task completes, and not while the task is pending or running (duplicate ${duplicate})`, async () => {
        const { t0, finishAsA } = ctx;
        const { schedule, task } = await ctx.running(onceSeed(t0, { duplicate }));
        expect(await stateOf(schedule)).toBe('active');
        await finishAsA(task, { state: 'completed', result: null, reason: null }, t0 + 5);
        const done = await ctx.store.scheduleGet(schedule.id);
        expect(done).toMatchObject({ state: 'done', updatedAt: t0 + 5, nextFireAt: null });
      });
    }

    it('stays active while a retry is pending, and is done when the last attempt fails', async () => {
      const { t0, finishAsA, claim } = ctx;
      const { schedule, task } = await ctx.running(onceSeed(t0));
      const again: TaskOutcome = { state: 'pending', dueAt: t0 + 10, error: 'boom', countFailure: true, reason: null };
      await finishAsA(task, again, t0 + 1);
      expect(await stateOf(schedule)).toBe('active');
      const [second] = (await claim({ now: t0 + 10 })).started;
      if (!second) throw new Error('the retry should have started');
      await finishAsA(second, { state: 'failed', error: 'boom', reason: null }, t0 + 11);
      expect(await stateOf(schedule)).toBe('done');
    });

    it('is done when its pending task is cancelled', async () => {
      const { t0, seed, store } = ctx;
      const { schedule, tasks } = await seed(onceSeed(t0 + 60_000));
      await store.taskRequestCancel({ taskId: tasks[0]?.id ?? '', reason: 'operator', now: t0 + 1 });
      expect(await stateOf(schedule)).toBe('done');
    });

    it('is done when its task is missed past its starting deadline', async () => {
      const { t0, seed, claim } = ctx;
      const { schedule } = await seed({ ...onceSeed(t0), tasks: [{ fireAt: t0, dueAt: t0, deadlineAt: t0 + 10 }] });
      const { settled } = await claim({ now: t0 + 20 });
      expect(settled.map((t) => t.state)).toEqual(['missed']);
      expect(await stateOf(schedule)).toBe('done');
    });

    it('is done when repair abandons its at-most-once task, and stays active when repair runs it again', async () => {
      const { t0, store } = ctx;
      const atMostOnce = await ctx.running(onceSeed(t0, { delivery: 'at-most-once' }));
      const atLeastOnce = await ctx.running(onceSeed(t0));
      await store.taskRepairExpired({ nodeId: 'repairer', limit: 10, maxRepairs: 5, now: t0 + LEASE + 100 });
      expect(await stateOf(atMostOnce.schedule)).toBe('done');
      expect(await stateOf(atLeastOnce.schedule)).toBe('active');
    });

    it('is done when its task is failed as unresolved (no node offers the executor)', async () => {
      const { t0, seed, store } = ctx;
      const { schedule } = await seed(onceSeed(t0));
      const failed = await store.taskSettleUnresolved({
        nodeId: 'node-a',
        unresolvedAfterMs: 60_000,
        limit: 10,
        now: t0 + 120_000,
      });
      expect(failed.map((t) => t.scheduleId)).toContain(schedule.id);
      expect(await stateOf(schedule)).toBe('done');
    });

    it('is done at the peel that writes its fire time as a missed ledger row', async () => {
      const { t0, seed } = ctx;
      const { schedule } = await seed({
        ...onceSeed(t0),
        tasks: [{ fireAt: t0, dueAt: t0, state: 'missed', reason: 'misfire policy skip' }],
      });
      expect(schedule.state).toBe('done');
    });

    it('is done when a gate on its task is released by the task end', async () => {
      const { t0, finishAsA } = ctx;
      const { schedule, task } = await ctx.running({ ...onceSeed(t0, { taskCreation: 'on-end' }), gate: 'first-task' });
      expect((await ctx.store.scheduleGet(schedule.id))?.gateTaskId).toBe(task.id);
      await finishAsA(task, { state: 'completed', result: null, reason: null }, t0 + 5);
      expect(await ctx.store.scheduleGet(schedule.id)).toMatchObject({ state: 'done', gateTaskId: null });
    });

    it('leaves a schedule of any other trigger active when its tasks end and it has no next fire time', async () => {
      const { t0, finishAsA } = ctx;
      const { schedule, task } = await ctx.running({
        schedule: { trigger: { kind: 'interval', everyMs: 60_000, anchor: t0 } },
        nextFireAt: null,
      });
      await finishAsA(task, { state: 'completed', result: null, reason: null }, t0 + 5);
      expect(await stateOf(schedule)).toBe('active');
    });

    it('cannot change state once done; a paused once schedule whose task ended is done on resume', async () => {
      const { t0, store, finishAsA } = ctx;
      const ended = await ctx.running(onceSeed(t0));
      await finishAsA(ended.task, { state: 'completed', result: null, reason: null }, t0 + 5);
      for (const state of ['active', 'paused', 'retired'] as const)
        expect(await store.scheduleSetState({ id: ended.schedule.id, state, now: t0 + 6 })).toBeUndefined();
      const paused = await ctx.running(onceSeed(t0));
      await store.scheduleSetState({ id: paused.schedule.id, state: 'paused', now: t0 + 2 });
      await finishAsA(paused.task, { state: 'completed', result: null, reason: null }, t0 + 5);
      expect(await stateOf(paused.schedule)).toBe('paused');
      expect(
        (await store.scheduleSetState({ id: paused.schedule.id, state: 'active', nextFireAt: null, now: t0 + 7 }))
          ?.state,
      ).toBe('done');
    });

    it('retention deletes done schedules with their ledger once the window has passed, and nothing else', async () => {
      const { t0, store, finishAsA } = ctx;
      const old = await ctx.running(onceSeed(t0));
      await finishAsA(old.task, { state: 'completed', result: null, reason: null }, t0 + 1_000);
      await store.taskLogAppend({ taskId: old.task.id, lines: [{ at: t0 + 500, line: 'ran' }] });
      const recent = await ctx.running(onceSeed(t0));
      await finishAsA(recent.task, { state: 'completed', result: null, reason: null }, t0 + 9_000);
      const active = await ctx.seed(onceSeed(t0 + 50_000));
      expect(await store.schedulePruneDone({ doneBefore: t0 + 5_000, limit: 100 })).toBe(1);
      expect(await store.scheduleGet(old.schedule.id)).toBeUndefined();
      expect(await store.taskGet(old.task.id)).toBeUndefined();
      expect(await store.taskEvents(old.task.id)).toEqual([]);
      expect(await store.taskLogRead({ taskId: old.task.id })).toEqual([]);
      expect(await stateOf(recent.schedule)).toBe('done');
      expect((await store.taskGet(recent.task.id))?.state).toBe('completed');
      expect(await stateOf(active.schedule)).toBe('active');
      expect(await store.schedulePruneDone({ doneBefore: t0 + 5_000, limit: 100 })).toBe(0);
      expect(await store.schedulePruneDone({ doneBefore: t0 + 10_000, limit: 0 })).toBe(0);
    });
  });
}
