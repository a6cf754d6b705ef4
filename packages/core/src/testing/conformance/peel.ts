import { describe, expect, it } from 'vitest';
import {
  FIXTURE_EPOCH,
  LEASE,
  makeNewTask,
  makePolicies,
  makeSchedule,
  OWNER_A,
  OWNER_B,
  TRICKY_PAYLOAD,
  type ConformanceContext,
} from '../fixtures.js';
import { schedulePeelOne } from '../one-of-many.js';

/**
 * Peeling tasks off a claimed schedule: what is copied in, idempotence per (schedule, fire time),
 * fencing, ledger rows.
 */
export function describePeel(ctx: ConformanceContext): void {
  describe('peel', () => {
    it('inserts tasks with the schedule copied in, records creation, sets the next fire time and releases the lease', async () => {
      const { store, t0, exec } = ctx;
      const schedule = makeSchedule({
        executor: exec,
        nextFireAt: t0,
        payload: TRICKY_PAYLOAD,
        policies: makePolicies({ priority: 3, duplicate: 'skip', delivery: 'at-most-once', timeoutMs: 9000 }),
      });
      await store.scheduleCreate(schedule);
      const [claimed] = await store.scheduleClaimDue({ owner: 'peeler', limit: 1, lookaheadMs: 0, leaseMs: LEASE, now: t0 });
      const newTask = makeNewTask({ fireAt: t0, dueAt: t0 + 7, deadlineAt: t0 + 1000 });
      const result = await schedulePeelOne(store, {
        scheduleId: schedule.id,
        owner: 'peeler',
        fence: claimed?.fence ?? 0,
        tasks: [newTask],
        nextFireAt: t0 + 60_000,
        gateTaskId: null,
        nodeId: 'peeler-node',
        now: t0 + 1,
      });
      expect(result.ok).toBe(true);
      expect(result.created).toHaveLength(1);
      const task = result.created[0];
      const p = schedule.policies;
      expect(task).toMatchObject({
        id: newTask.id,
        scheduleId: schedule.id,
        origin: 'trigger',
        fireAt: t0,
        spanEndAt: null,
        spanCount: 1,
        dueAt: t0 + 7,
        deadlineAt: t0 + 1000,
        state: 'pending',
        attempt: 0,
        failures: 0,
        fence: 0,
        executor: exec,
        payload: TRICKY_PAYLOAD,
        policies: {
          duplicate: p.duplicate,
          retry: p.retry,
          timeoutMs: p.timeoutMs,
          priority: p.priority,
          delivery: p.delivery,
          taskCreation: p.taskCreation,
        },
        leaseOwner: null,
        leaseExpiresAt: null,
        cancelRequested: false,
        createdAt: t0 + 1,
      });
      expect(await store.taskGet(newTask.id)).toEqual(task);
      expect(await store.taskEvents(newTask.id)).toEqual([
        { taskId: newTask.id, at: t0 + 1, from: null, to: 'pending', nodeId: 'peeler-node', reason: null, fence: 0 },
      ]);
      expect(await store.scheduleGet(schedule.id)).toMatchObject({
        nextFireAt: t0 + 60_000,
        gateTaskId: null,
        leaseOwner: null,
      });
    });

    it('is idempotent: a second task for one (schedule, fire time) is ignored and the first is unchanged', async () => {
      const { store, t0, seed, taskOf } = ctx;
      const { schedule, tasks } = await seed({ tasks: [{ fireAt: t0 }], nextFireAt: t0 });
      const before = await taskOf(tasks[0]?.id ?? '');
      const [again] = await store.scheduleClaimDue({ owner: OWNER_B, limit: 10, lookaheadMs: 0, leaseMs: LEASE, now: t0 });
      expect(again?.id).toBe(schedule.id);
      const dup = makeNewTask({ fireAt: t0, dueAt: t0 + 99 });
      const fresh = makeNewTask({ fireAt: t0 + 1000 });
      const twin = makeNewTask({ fireAt: t0 + 1000 });
      const result = await schedulePeelOne(store, {
        scheduleId: schedule.id,
        owner: OWNER_B,
        fence: again?.fence ?? 0,
        tasks: [dup, fresh, twin],
        nextFireAt: null,
        gateTaskId: null,
        nodeId: 'node-b',
        now: t0,
      });
      expect(result.ok).toBe(true);
      expect(result.created.map((t) => t.id)).toEqual([fresh.id]);
      expect(await store.taskGet(dup.id)).toBeUndefined();
      expect(await store.taskGet(twin.id)).toBeUndefined();
      expect(await store.taskGet(before.id)).toEqual(before);
      expect((await store.taskList({ scheduleId: schedule.id })).map((t) => t.id)).toEqual([fresh.id, before.id]);
    });

    it('writes nothing when the lease is lost: wrong fence, other owner, or expired', async () => {
      const { store, t0, exec } = ctx;
      const schedule = makeSchedule({ executor: exec, nextFireAt: t0 });
      await store.scheduleCreate(schedule);
      const [claimed] = await store.scheduleClaimDue({ owner: OWNER_A, limit: 1, lookaheadMs: 0, leaseMs: LEASE, now: t0 });
      const fence = claimed?.fence ?? 0;
      const attempt = (owner: string, f: number, now: number) =>
        schedulePeelOne(store, {
          scheduleId: schedule.id,
          owner,
          fence: f,
          tasks: [makeNewTask()],
          nextFireAt: t0 + 1,
          gateTaskId: null,
          nodeId: 'node',
          now,
        });
      expect(await attempt(OWNER_A, fence - 1, t0)).toEqual({ ok: false, created: [] });
      expect(await attempt(OWNER_B, fence, t0)).toEqual({ ok: false, created: [] });
      expect(await attempt(OWNER_A, fence, t0 + LEASE + 1)).toEqual({ ok: false, created: [] });
      expect(await store.taskList({ scheduleId: schedule.id })).toEqual([]);
      expect(await store.scheduleGet(schedule.id)).toMatchObject({ nextFireAt: t0, leaseOwner: OWNER_A, fence });
    });

    it('inserts ledger rows in terminal states with their reason and span', async () => {
      const { seed, claim } = ctx;
      const { tasks } = await seed({
        tasks: [
          { state: 'missed', reason: 'missed: misfire policy skip' },
          { state: 'coalesced', reason: 'coalesced into a later run', spanCount: 3, spanEndAt: FIXTURE_EPOCH + 10_000_000 },
        ],
      });
      expect(tasks.map((t) => [t.state, t.reason, t.spanCount])).toEqual([
        ['missed', 'missed: misfire policy skip', 1],
        ['coalesced', 'coalesced into a later run', 3],
      ]);
      expect(tasks[1]?.spanEndAt).toBe(FIXTURE_EPOCH + 10_000_000);
      expect((await claim()).started).toEqual([]);
    });
    it('writes nothing when the schedule was paused after it was claimed (the pause took its lease)', async () => {
      const { store, t0, exec } = ctx;
      const schedule = makeSchedule({ executor: exec, nextFireAt: t0 });
      await store.scheduleCreate(schedule);
      const [claimed] = await store.scheduleClaimDue({ owner: 'peeler', limit: 1, lookaheadMs: 0, leaseMs: LEASE, now: t0 });
      expect(await store.scheduleSetState({ id: schedule.id, state: 'paused', now: t0 + 1 })).toMatchObject({ state: 'paused' });
      const result = await schedulePeelOne(store, {
        scheduleId: schedule.id,
        owner: 'peeler',
        fence: claimed?.fence ?? 0,
        tasks: [makeNewTask({ fireAt: t0 })],
        nextFireAt: t0 + 60_000,
        gateTaskId: null,
        nodeId: 'peeler-node',
        now: t0 + 2,
      });
      expect(result).toEqual({ ok: false, created: [] });
      expect(await store.taskList({ scheduleId: schedule.id })).toEqual([]);
      expect(await store.scheduleGet(schedule.id)).toMatchObject({ state: 'paused', nextFireAt: t0 });
    });

    it('gates on nothing when the gate task was not inserted (its fire time already had a task)', async () => {
      const { store, t0, seed } = ctx;
      const { schedule, tasks } = await seed({ tasks: [{ fireAt: t0 }], nextFireAt: t0 });
      const [claimed] = await store.scheduleClaimDue({ owner: OWNER_B, limit: 10, lookaheadMs: 0, leaseMs: LEASE, now: t0 + 1 });
      expect(claimed?.id).toBe(schedule.id);
      const duplicate = makeNewTask({ fireAt: t0 });
      const result = await schedulePeelOne(store, {
        scheduleId: schedule.id,
        owner: OWNER_B,
        fence: claimed?.fence ?? 0,
        tasks: [duplicate],
        nextFireAt: t0 + 60_000,
        gateTaskId: duplicate.id,
        nodeId: 'peeler-node',
        now: t0 + 2,
      });
      expect(result).toEqual({ ok: true, created: [] });
      expect((await store.scheduleGet(schedule.id))?.gateTaskId).toBeNull();
      expect((await store.taskList({ scheduleId: schedule.id })).map((t) => t.id)).toEqual([tasks[0]?.id]);
    });
  });
}
