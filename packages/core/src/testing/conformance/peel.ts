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
      const [claimed] = await store.scheduleClaimDue({
        owner: 'peeler',
        limit: 1,
        lookaheadMs: 0,
        leaseMs: LEASE,
        now: t0,
      });
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
      const [again] = await store.scheduleClaimDue({
        owner: OWNER_B,
        limit: 10,
        lookaheadMs: 0,
        leaseMs: LEASE,
        now: t0,
      });
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

    it('writes nothing when the lease is lost: wrong fence or other owner', async () => {
      const { store, t0, exec } = ctx;
      const schedule = makeSchedule({ executor: exec, nextFireAt: t0 });
      await store.scheduleCreate(schedule);
      const [claimed] = await store.scheduleClaimDue({
        owner: OWNER_A,
        limit: 1,
        lookaheadMs: 0,
        leaseMs: LEASE,
        now: t0,
      });
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
      expect(await store.taskList({ scheduleId: schedule.id })).toEqual([]);
      expect(await store.scheduleGet(schedule.id)).toMatchObject({ nextFireAt: t0, leaseOwner: OWNER_A, fence });
    });

    it('writes a slow peel whose lease expired while no one claimed the schedule, and refuses it once another node has', async () => {
      const { store, t0, exec } = ctx;
      const slow = makeSchedule({ executor: exec, nextFireAt: t0 });
      const overtaken = makeSchedule({ executor: exec, nextFireAt: t0 });
      await store.scheduleCreateMany([slow, overtaken]);
      const claimed = await store.scheduleClaimDue({
        owner: OWNER_A,
        limit: 2,
        lookaheadMs: 0,
        leaseMs: LEASE,
        now: t0,
      });
      const fenceOf = (id: string): number => claimed.find((s) => s.id === id)?.fence ?? -1;
      expect(claimed).toHaveLength(2);
      // Past A's lease, B claims one of the two (fence + 1) and peels it.
      const [taken] = await store.scheduleClaimDue({
        owner: OWNER_B,
        limit: 1,
        lookaheadMs: 0,
        leaseMs: LEASE,
        now: t0 + LEASE + 1,
      });
      expect(taken?.fence).toBe(fenceOf(taken?.id ?? '') + 1);
      const other = taken?.id === slow.id ? overtaken : slow;
      const bTask = makeNewTask({ fireAt: t0, dueAt: t0 });
      const [bPeel] = await store.schedulePeelMany({
        peels: [
          {
            scheduleId: taken?.id ?? '',
            owner: OWNER_B,
            fence: taken?.fence ?? -1,
            tasks: [bTask],
            nextFireAt: t0 + 60_000,
            gateTaskId: null,
            nodeId: 'node-b',
          },
        ],
        now: t0 + LEASE + 2,
      });
      expect(bPeel?.ok).toBe(true);
      // A's peel of both lands only on the one nobody claimed since, lease expired or not.
      const aTasks = [makeNewTask({ fireAt: t0, dueAt: t0 }), makeNewTask({ fireAt: t0, dueAt: t0 })];
      const results = await store.schedulePeelMany({
        peels: [taken?.id ?? '', other.id].map((id, i) => ({
          scheduleId: id,
          owner: OWNER_A,
          fence: fenceOf(id),
          tasks: [aTasks[i] ?? makeNewTask()],
          nextFireAt: t0 + 60_000,
          gateTaskId: null,
          nodeId: 'node-a',
        })),
        now: t0 + LEASE + 3,
      });
      expect(results.map((r) => r.ok)).toEqual([false, true]);
      expect(results[1]?.created.map((t) => t.id)).toEqual([aTasks[1]?.id]);
      expect((await store.taskList({ scheduleId: taken?.id ?? '' })).map((t) => t.id)).toEqual([bTask.id]);
      expect(await store.scheduleGet(other.id)).toMatchObject({
        nextFireAt: t0 + 60_000,
        leaseOwner: null,
        leaseExpiresAt: null,
      });
      // The peel released the lease: the same peel again, on the same fence, writes nothing.
      const [again] = await store.schedulePeelMany({
        peels: [
          {
            scheduleId: other.id,
            owner: OWNER_A,
            fence: fenceOf(other.id),
            tasks: [makeNewTask({ fireAt: t0 + 60_000 })],
            nextFireAt: null,
            gateTaskId: null,
            nodeId: 'node-a',
          },
        ],
        now: t0 + LEASE + 4,
      });
      expect(again).toEqual({ ok: false, created: [] });
      expect(await store.scheduleGet(other.id)).toMatchObject({ nextFireAt: t0 + 60_000 });
    });

    it('refuses a peel whose expired lease was taken by an edit of the schedule meanwhile', async () => {
      const { store, t0, exec } = ctx;
      const schedule = makeSchedule({ executor: exec, nextFireAt: t0 });
      await store.scheduleCreate(schedule);
      const [claimed] = await store.scheduleClaimDue({
        owner: OWNER_A,
        limit: 1,
        lookaheadMs: 0,
        leaseMs: LEASE,
        now: t0,
      });
      const { name, executor, payload, trigger, startAt, endAt, policies } = schedule;
      const edited = await store.scheduleUpdate({
        id: schedule.id,
        definition: { name, executor, payload, trigger, startAt, endAt, policies },
        nextFireAt: t0 + 5_000,
        now: t0 + LEASE + 1,
      });
      expect(edited?.fence).toBe((claimed?.fence ?? -1) + 1);
      const result = await schedulePeelOne(store, {
        scheduleId: schedule.id,
        owner: OWNER_A,
        fence: claimed?.fence ?? -1,
        tasks: [makeNewTask({ fireAt: t0 })],
        nextFireAt: t0 + 60_000,
        gateTaskId: null,
        nodeId: 'node-a',
        now: t0 + LEASE + 2,
      });
      expect(result).toEqual({ ok: false, created: [] });
      expect(await store.taskList({ scheduleId: schedule.id })).toEqual([]);
      expect(await store.scheduleGet(schedule.id)).toMatchObject({ nextFireAt: t0 + 5_000 });
    });

    it('inserts ledger rows in terminal states with their reason and span', async () => {
      const { seed, claim } = ctx;
      const { tasks } = await seed({
        tasks: [
          { state: 'missed', reason: 'missed: misfire policy skip' },
          {
            state: 'coalesced',
            reason: 'coalesced into a later run',
            spanCount: 3,
            spanEndAt: FIXTURE_EPOCH + 10_000_000,
          },
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
      const [claimed] = await store.scheduleClaimDue({
        owner: 'peeler',
        limit: 1,
        lookaheadMs: 0,
        leaseMs: LEASE,
        now: t0,
      });
      expect(await store.scheduleSetState({ id: schedule.id, state: 'paused', now: t0 + 1 })).toMatchObject({
        state: 'paused',
      });
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
      const [claimed] = await store.scheduleClaimDue({
        owner: OWNER_B,
        limit: 10,
        lookaheadMs: 0,
        leaseMs: LEASE,
        now: t0 + 1,
      });
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
