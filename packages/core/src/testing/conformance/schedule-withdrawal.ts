import { describe, expect, it } from 'vitest';
import type { TaskClaimDueResult } from '../../datastore/datastore.js';
import type { Schedule } from '../../model/schedule.js';
import { OWNER_B, type ConformanceContext } from '../fixtures.js';

/** The three operations that withdraw a schedule's planned tasks, each as one store call. */
const WITHDRAWALS = {
  update: (ctx: ConformanceContext, s: Schedule, nextFireAt: number, now: number) => {
    const { name, executor, trigger, startAt, endAt, policies } = s;
    return ctx.store.scheduleUpdate({
      id: s.id,
      definition: { name, executor, payload: { v: 2 }, trigger, startAt, endAt, policies },
      nextFireAt,
      now,
    });
  },
  pause: (ctx: ConformanceContext, s: Schedule, _nextFireAt: number, now: number) =>
    ctx.store.scheduleSetState({ id: s.id, state: 'paused', now }),
  retire: (ctx: ConformanceContext, s: Schedule, _nextFireAt: number, now: number) =>
    ctx.store.scheduleSetState({ id: s.id, state: 'retired', nextFireAt: null, now }),
} as const;

/**
 * Withdrawing planned tasks (schedule update, pause, retire) against a node that claims one of
 * them at the same moment: the claim lands between the withdrawal's choice of tasks and their
 * deletion, pinned by the store's `withdrawalChosen` test hook.
 */
export function describeScheduleWithdrawal(ctx: ConformanceContext): void {
  describe('schedule withdrawal', () => {
    for (const [operation, withdraw] of Object.entries(WITHDRAWALS)) {
      it(`${operation}: a task a node claims while it is being withdrawn keeps running with its events and logs, and its fire time is not planned again`, async () => {
        const { store, t0, hooks } = ctx;
        const trigger = { kind: 'interval' as const, everyMs: 10_000, anchor: t0 };
        const { schedule, tasks } = await ctx.seed({
          schedule: { trigger },
          tasks: [
            { fireAt: t0 + 10_000, dueAt: t0 + 10_000 },
            { fireAt: t0 + 20_000, dueAt: t0 + 20_000 },
          ],
          nextFireAt: t0 + 30_000,
        });
        const [first, second] = tasks.map((t) => t.id);
        let chosen: readonly string[] = [];
        let meanwhile: boolean | undefined;
        let claimed: Promise<TaskClaimDueResult> | undefined;
        hooks.withdrawalChosen = async (withdrawal) => {
          // Once: a transaction the store retries would claim again.
          hooks.withdrawalChosen = undefined;
          chosen = withdrawal.taskIds;
          meanwhile = withdrawal.othersWriteMeanwhile;
          // Another node, whose clock has reached the first fire time, claims it.
          claimed = ctx.claim({ owner: OWNER_B, nodeId: 'node-b', now: t0 + 10_000 });
          if (withdrawal.othersWriteMeanwhile) {
            const started = await claimed;
            for (const t of started.started)
              await store.taskLogAppend({ taskId: t.id, lines: [{ at: t0 + 10_000, line: 'started' }] });
          }
        };
        // The client planned the first fire time again, as it does from a clock before it.
        const result = await withdraw(ctx, schedule, t0 + 10_000, t0 + 1);
        expect(result?.id).toBe(schedule.id);
        expect([...chosen].sort()).toEqual([first, second].sort());
        const started = (await claimed)?.started.map((t) => t.id) ?? [];
        // Where writes interleave, the claim ran inside the withdrawal and won the first task;
        // elsewhere it ran after the withdrawal and found nothing left to claim.
        const interleaved = meanwhile === true;
        expect(started).toEqual(interleaved ? [first] : []);
        const left = await store.taskList({ scheduleId: schedule.id, limit: 10 });
        expect(left.map((t) => t.id)).toEqual(started);
        for (const id of started) {
          expect((await ctx.taskOf(id)).state).toBe('running');
          expect((await store.taskEvents(id)).map((e) => e.to)).toContain('running');
          expect((await store.taskLogRead({ taskId: id, limit: 10 })).map((l) => l.line)).toEqual(['started']);
        }
        for (const id of [first, second].filter((id) => !started.includes(id ?? ''))) {
          expect(await store.taskGet(id ?? '')).toBeUndefined();
          expect(await store.taskEvents(id ?? '')).toEqual([]);
        }
        const after = await store.scheduleGet(schedule.id);
        if (operation === 'update') {
          // The first fire time still has its task: the update planned the next one instead.
          expect(after?.nextFireAt).toBe(interleaved ? t0 + 20_000 : t0 + 10_000);
        }
        expect(left.map((t) => t.fireAt)).not.toContain(after?.nextFireAt);
      });
    }
  });
}
