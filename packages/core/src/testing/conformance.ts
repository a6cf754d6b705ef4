import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Datastore, NewTask, TaskClaimDueParams, TaskClaimDueResult } from '../datastore/datastore.js';
import { DuplicateKeyError } from '../errors/index.js';
import type { Json } from '../json.js';
import type { SchedulePolicies } from '../model/policies.js';
import type { Schedule } from '../model/schedule.js';
import type { Task } from '../model/task.js';

/** A store under test and how to dispose of it. */
export interface ConformanceStore {
  /** An empty, ready (migrated) store. */
  store: Datastore;
  /** Closes the store and removes whatever it created. */
  cleanup(): Promise<void>;
}

/** Options of {@link describeDatastoreConformance}. */
export interface ConformanceOptions {
  /**
   * The store's clock follows the real clock, so `clockNow()` must be within 5 s of
   * `Date.now()`. Turn off for a store built on a fake clock.
   * @defaultValue true
   */
  realClock?: boolean;
}

/** A fixed instant fixtures start from: 2024-01-01T00:00:00Z. */
export const FIXTURE_EPOCH = Date.UTC(2024, 0, 1);

/** Policies with every default of the model. */
export function makePolicies(overrides: Partial<SchedulePolicies> = {}): SchedulePolicies {
  return {
    duplicate: 'run',
    misfire: 'run-once',
    misfireMaxRuns: 10,
    misfireGraceMs: 60_000,
    startingDeadlineMs: null,
    retry: { kind: 'none', maxAttempts: 1, delayMs: 1000, factor: 2, maxDelayMs: 3_600_000, jitter: 0 },
    timeoutMs: null,
    priority: 0,
    taskCreation: 'ahead',
    delivery: 'at-least-once',
    dst: { gap: 'run-after-gap', overlap: 'first' },
    jitterMs: 0,
    ...overrides,
  };
}

/** A valid active schedule with a fresh id and name; `nextFireAt` is null unless overridden. */
export function makeSchedule(overrides: Partial<Schedule> = {}): Schedule {
  const id = randomUUID();
  return {
    id,
    name: `schedule-${id}`,
    executor: 'conformance',
    payload: { n: 1 },
    trigger: { kind: 'interval', everyMs: 60_000, anchor: FIXTURE_EPOCH },
    startAt: null,
    endAt: null,
    policies: makePolicies(),
    state: 'active',
    nextFireAt: null,
    gateTaskId: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    fence: 0,
    createdAt: FIXTURE_EPOCH,
    updatedAt: FIXTURE_EPOCH,
    ...overrides,
  };
}

let fireSequence = 0;

/** A pending task to peel, due at its fire time; fire times are unique per process and in the past. */
export function makeNewTask(overrides: Partial<NewTask> = {}): NewTask {
  fireSequence += 1;
  const fireAt = overrides.fireAt ?? FIXTURE_EPOCH + fireSequence * 1000;
  return {
    id: randomUUID(),
    fireAt,
    spanEndAt: null,
    spanCount: 1,
    dueAt: fireAt,
    deadlineAt: null,
    state: 'pending',
    reason: null,
    ...overrides,
  };
}

/** A payload that exercises JSON and SQL escaping. */
export const TRICKY_PAYLOAD: Json = {
  text: "x'); DROP TABLE t;--",
  quotes: `"double" 'single' \`back\` \\ backslash`,
  unicode: 'Grüße, 你好, emoji 🐦‍⬛, combining e\u0301',
  nested: { list: [1, 2.5, -3, true, false, null, 'a'], deep: { deeper: { deepest: [{}, []] } } },
  big: Number.MAX_SAFE_INTEGER,
  empty: '',
};

const LEASE = 30_000;
const OWNER_A = 'owner-a';
const OWNER_B = 'owner-b';

/**
 * Registers one conformance suite for a {@link Datastore}: every store (in-memory, each SQL
 * dialect) runs it. `makeStore` is called before each test and must return an empty, ready
 * store; `cleanup` runs after it. Tests pin `now` except where they check the store's own
 * clock. Grouped by noun: clock, schedules, schedule claims, peel, task claims, duplicate
 * `skip`, renew, finish, repair, gates, cancel, task reads, nodes.
 *
 * @example
 * ```ts
 * describeDatastoreConformance('memory', async () => {
 *   const store = new MemoryDatastore();
 *   return { store, cleanup: () => store.close() };
 * });
 * ```
 */
export function describeDatastoreConformance(
  name: string,
  makeStore: () => Promise<ConformanceStore>,
  options: ConformanceOptions = {},
): void {
  describe(`datastore conformance: ${name}`, () => {
    let handle: ConformanceStore;
    let store: Datastore;
    let t0: number;
    let exec: string;

    beforeEach(async () => {
      handle = await makeStore();
      store = handle.store;
      t0 = await store.clockNow();
      exec = `exec-${randomUUID().slice(0, 8)}`;
    });

    afterEach(async () => {
      await handle.cleanup();
    });

    /** Creates a schedule, claims it and peels `tasks` off it; returns both as stored. */
    async function seed(
      opts: {
        schedule?: Partial<Schedule>;
        tasks?: Partial<NewTask>[];
        gate?: 'first-task';
        nextFireAt?: number | null;
        now?: number;
      } = {},
    ): Promise<{ schedule: Schedule; tasks: Task[] }> {
      const now = opts.now ?? t0;
      const schedule = makeSchedule({ executor: exec, nextFireAt: now, ...opts.schedule });
      await store.scheduleCreate(schedule);
      const claimed = await store.scheduleClaimDue({ owner: 'peeler', limit: 1000, lookaheadMs: 0, leaseMs: LEASE, now });
      const mine = claimed.find((s) => s.id === schedule.id);
      expect(mine, 'seed: the new schedule is claimable').toBeDefined();
      const tasks = (opts.tasks ?? [{}]).map((t) => makeNewTask(t));
      const peeled = await store.schedulePeel({
        scheduleId: schedule.id,
        owner: 'peeler',
        fence: mine?.fence ?? -1,
        tasks,
        nextFireAt: opts.nextFireAt ?? null,
        gateTaskId: opts.gate ? (tasks[0]?.id ?? null) : null,
        nodeId: 'peeler-node',
        now,
      });
      expect(peeled.ok).toBe(true);
      const stored = await store.scheduleGet(schedule.id);
      if (!stored) throw new Error('seed: schedule vanished');
      return { schedule: stored, tasks: peeled.created };
    }

    function claim(overrides: Partial<TaskClaimDueParams> = {}): Promise<TaskClaimDueResult> {
      return store.taskClaimDue({
        owner: OWNER_A,
        nodeId: 'node-a',
        limit: 10,
        leaseMs: LEASE,
        executors: [exec],
        now: t0,
        ...overrides,
      });
    }

    /** Seeds one task and starts it under OWNER_A at t0. */
    async function running(opts: Parameters<typeof seed>[0] = {}): Promise<{ schedule: Schedule; task: Task }> {
      const { schedule, tasks } = await seed(opts);
      const { started } = await claim();
      const task = started.find((t) => t.id === tasks[0]?.id);
      if (!task) throw new Error('running: the seeded task did not start');
      return { schedule, task };
    }

    async function taskOf(id: string): Promise<Task> {
      const task = await store.taskGet(id);
      if (!task) throw new Error(`task ${id} not found`);
      return task;
    }

    describe('clock', () => {
      it.skipIf(options.realClock === false)('clockNow() follows the real clock (within 5 s)', async () => {
        expect(Math.abs((await store.clockNow()) - Date.now())).toBeLessThan(5000);
      });

      it('without now, due-ness is judged by the store clock', async () => {
        const dueAt = t0 + 3_600_000;
        const { tasks } = await seed({ tasks: [{ dueAt }] });
        expect((await claim({ now: undefined })).started).toEqual([]);
        const { started } = await claim({ now: dueAt });
        expect(started.map((t) => t.id)).toEqual([tasks[0]?.id]);
      });

      it('without now, a lease runs from the store clock and renewals are judged by it', async () => {
        const { tasks } = await seed({ tasks: [{ dueAt: t0 - 1000 }] });
        const { started } = await claim({ now: undefined });
        const task = started[0];
        expect(task?.id).toBe(tasks[0]?.id);
        const after = await store.clockNow();
        expect(task?.leaseExpiresAt).toBeGreaterThanOrEqual(t0 + LEASE);
        expect(task?.leaseExpiresAt).toBeLessThanOrEqual(after + LEASE);
        const renewal = await store.taskRenewLeases({
          owner: OWNER_A,
          leases: [{ taskId: task?.id ?? '', fence: task?.fence ?? 0 }],
          leaseMs: LEASE,
        });
        expect(renewal.renewed).toEqual([task?.id]);
        expect(renewal.expiresAt).toBeGreaterThanOrEqual(after + LEASE);
        expect(renewal.expiresAt).toBeLessThanOrEqual((await store.clockNow()) + LEASE);
      });

      it('renew, finish and heartbeat honour the now override', async () => {
        const { task } = await running();
        expect(task.startedAt).toBe(t0);
        const late = t0 + LEASE + 1;
        const renewal = await store.taskRenewLeases({ owner: OWNER_A, leases: [{ taskId: task.id, fence: task.fence }], leaseMs: LEASE, now: late });
        expect(renewal.lost).toEqual([task.id]);
        expect(renewal.expiresAt).toBe(late + LEASE);
        const finished = await store.taskFinish({
          taskId: task.id,
          owner: OWNER_A,
          fence: task.fence,
          nodeId: 'node-a',
          outcome: { state: 'completed', result: null, reason: null },
          now: late,
        });
        expect(finished).toBeUndefined();
        expect(await store.nodeHeartbeat({ id: 'nobody', clockOffsetMs: 0, now: 12345 })).toBe(12345);
      });
    });

    describe('schedules', () => {
      it('creates and reads back a schedule field for field', async () => {
        const schedule = makeSchedule({
          payload: TRICKY_PAYLOAD,
          trigger: { kind: 'cron', expr: '*/5 * * * *', tz: 'Europe/Berlin' },
          startAt: t0,
          endAt: t0 + 86_400_000,
          policies: makePolicies({ duplicate: 'skip', priority: 7, startingDeadlineMs: 5000, delivery: 'at-most-once' }),
          nextFireAt: t0 + 1,
          createdAt: t0,
          updatedAt: t0,
        });
        expect(await store.scheduleCreate(schedule)).toEqual(schedule);
        expect(await store.scheduleGet(schedule.id)).toEqual(schedule);
      });

      it('round-trips a name that looks like SQL injection, as data', async () => {
        const schedule = makeSchedule({ name: "x'); DROP TABLE t;--" });
        await store.scheduleCreate(schedule);
        expect((await store.scheduleGetByName("x'); DROP TABLE t;--"))?.id).toBe(schedule.id);
        expect((await store.scheduleList()).map((s) => s.id)).toEqual([schedule.id]);
      });

      it('finds a schedule by name case-insensitively and after NFC normalisation', async () => {
        const schedule = makeSchedule({ name: 'Café Report' });
        await store.scheduleCreate(schedule);
        expect((await store.scheduleGetByName('café report'))?.id).toBe(schedule.id);
        expect((await store.scheduleGetByName('CAFE\u0301 REPORT'))?.id).toBe(schedule.id);
        expect(await store.scheduleGetByName('cafe report')).toBeUndefined();
      });

      it.each([
        ['the same name', 'Nightly Report'],
        ['a name differing only in case', 'NIGHTLY report'],
      ])('refuses %s with DuplicateKeyError on field name, writing nothing', async (_label, second) => {
        await store.scheduleCreate(makeSchedule({ name: 'Nightly Report' }));
        const dup = makeSchedule({ name: second });
        const error = await store.scheduleCreate(dup).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DuplicateKeyError);
        expect((error as DuplicateKeyError).field).toBe('name');
        expect(await store.scheduleGet(dup.id)).toBeUndefined();
        expect(await store.scheduleList()).toHaveLength(1);
      });

      it('refuses NFC vs NFD duplicates', async () => {
        await store.scheduleCreate(makeSchedule({ name: 'r\u00e9sum\u00e9' }));
        const error = await store.scheduleCreate(makeSchedule({ name: 're\u0301sume\u0301' })).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DuplicateKeyError);
        expect((error as DuplicateKeyError).field).toBe('name');
      });

      it('lists schedules by name, filtered by state, limited', async () => {
        const names = ['gamma', 'alpha', 'delta', 'beta'];
        for (const n of names) await store.scheduleCreate(makeSchedule({ name: n, state: n === 'delta' ? 'paused' : 'active' }));
        expect((await store.scheduleList()).map((s) => s.name)).toEqual(['alpha', 'beta', 'delta', 'gamma']);
        expect((await store.scheduleList({ states: ['active'] })).map((s) => s.name)).toEqual(['alpha', 'beta', 'gamma']);
        expect((await store.scheduleList({ states: ['paused', 'retired'] })).map((s) => s.name)).toEqual(['delta']);
        expect((await store.scheduleList({ limit: 2 })).map((s) => s.name)).toEqual(['alpha', 'beta']);
      });

      it('pauses, resumes with a next fire time, and retires; a retired schedule is never touched', async () => {
        const schedule = makeSchedule({ nextFireAt: t0 });
        await store.scheduleCreate(schedule);
        const paused = await store.scheduleSetState({ id: schedule.id, state: 'paused', now: t0 + 1 });
        expect(paused).toMatchObject({ state: 'paused', nextFireAt: t0, updatedAt: t0 + 1 });
        const resumed = await store.scheduleSetState({ id: schedule.id, state: 'active', nextFireAt: t0 + 60_000, now: t0 + 2 });
        expect(resumed).toMatchObject({ state: 'active', nextFireAt: t0 + 60_000 });
        const retired = await store.scheduleSetState({ id: schedule.id, state: 'retired', nextFireAt: null, now: t0 + 3 });
        expect(retired).toMatchObject({ state: 'retired', nextFireAt: null });
        expect(await store.scheduleSetState({ id: schedule.id, state: 'active', nextFireAt: t0, now: t0 + 4 })).toBeUndefined();
        expect(await store.scheduleGet(schedule.id)).toMatchObject({ state: 'retired', nextFireAt: null, updatedAt: t0 + 3 });
        expect(await store.scheduleSetState({ id: randomUUID(), state: 'paused' })).toBeUndefined();
      });

      it('deletes a schedule with its tasks and their events', async () => {
        const { schedule, tasks } = await seed({ tasks: [{}, {}] });
        await claim();
        const other = await seed();
        expect(await store.scheduleDelete(schedule.id)).toBe(true);
        expect(await store.scheduleGet(schedule.id)).toBeUndefined();
        for (const t of tasks) {
          expect(await store.taskGet(t.id)).toBeUndefined();
          expect(await store.taskEvents(t.id)).toEqual([]);
        }
        expect(await store.taskList({ scheduleId: schedule.id })).toEqual([]);
        expect(await store.taskGet(other.tasks[0]?.id ?? '')).toBeDefined();
        expect(await store.scheduleDelete(schedule.id)).toBe(false);
      });
    });

    describe('schedule claims', () => {
      it('claims due, active, ungated schedules with owner, expiry and fence + 1', async () => {
        const due = makeSchedule({ nextFireAt: t0 - 5 });
        const soon = makeSchedule({ nextFireAt: t0 + 500 });
        const later = makeSchedule({ nextFireAt: t0 + 5000 });
        const paused = makeSchedule({ nextFireAt: t0, state: 'paused' });
        const retired = makeSchedule({ nextFireAt: t0, state: 'retired' });
        const none = makeSchedule({ nextFireAt: null });
        const gated = makeSchedule({ nextFireAt: t0, gateTaskId: randomUUID(), policies: makePolicies({ taskCreation: 'on-end' }) });
        for (const s of [due, soon, later, paused, retired, none, gated]) await store.scheduleCreate(s);
        const claimed = await store.scheduleClaimDue({ owner: OWNER_A, limit: 10, lookaheadMs: 1000, leaseMs: LEASE, now: t0 });
        expect(claimed.map((s) => s.id).sort()).toEqual([due.id, soon.id].sort());
        for (const s of claimed) expect(s).toMatchObject({ leaseOwner: OWNER_A, leaseExpiresAt: t0 + LEASE, fence: 1 });
        expect(await store.scheduleGet(due.id)).toMatchObject({ leaseOwner: OWNER_A, fence: 1 });
      });

      it('honours the limit, earliest next fire time first', async () => {
        const schedules = [3, 1, 2].map((k) => makeSchedule({ nextFireAt: t0 - 1000 * k }));
        for (const s of schedules) await store.scheduleCreate(s);
        const claimed = await store.scheduleClaimDue({ owner: OWNER_A, limit: 2, lookaheadMs: 0, leaseMs: LEASE, now: t0 });
        expect(claimed.map((s) => s.nextFireAt)).toEqual([t0 - 3000, t0 - 2000]);
      });

      it('does not take a live lease, and takes an expired one with fence + 1', async () => {
        const s = makeSchedule({ nextFireAt: t0 });
        await store.scheduleCreate(s);
        await store.scheduleClaimDue({ owner: OWNER_A, limit: 10, lookaheadMs: 0, leaseMs: LEASE, now: t0 });
        const early = await store.scheduleClaimDue({ owner: OWNER_B, limit: 10, lookaheadMs: 0, leaseMs: LEASE, now: t0 + LEASE - 1 });
        expect(early).toEqual([]);
        const late = await store.scheduleClaimDue({ owner: OWNER_B, limit: 10, lookaheadMs: 0, leaseMs: LEASE, now: t0 + LEASE + 1 });
        expect(late).toHaveLength(1);
        expect(late[0]).toMatchObject({ id: s.id, leaseOwner: OWNER_B, fence: 2, leaseExpiresAt: t0 + LEASE + 1 + LEASE });
      });

      it('four concurrent claims never return the same schedule and together take all due ones', async () => {
        const schedules = Array.from({ length: 10 }, () => makeSchedule({ nextFireAt: t0 - 1 }));
        for (const s of schedules) await store.scheduleCreate(s);
        const results = await Promise.all(
          [1, 2, 3, 4].map((i) => store.scheduleClaimDue({ owner: `owner-${i}`, limit: 3, lookaheadMs: 0, leaseMs: LEASE, now: t0 })),
        );
        const ids = results.flat().map((s) => s.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.sort()).toEqual(schedules.map((s) => s.id).sort());
      });
    });

    describe('peel', () => {
      it('inserts tasks with the schedule copied in, records creation, sets the next fire time and releases the lease', async () => {
        const schedule = makeSchedule({
          executor: exec,
          nextFireAt: t0,
          payload: TRICKY_PAYLOAD,
          policies: makePolicies({ priority: 3, duplicate: 'skip', delivery: 'at-most-once', timeoutMs: 9000 }),
        });
        await store.scheduleCreate(schedule);
        const [claimed] = await store.scheduleClaimDue({ owner: 'peeler', limit: 1, lookaheadMs: 0, leaseMs: LEASE, now: t0 });
        const newTask = makeNewTask({ fireAt: t0, dueAt: t0 + 7, deadlineAt: t0 + 1000 });
        const result = await store.schedulePeel({
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
        const { schedule, tasks } = await seed({ tasks: [{ fireAt: t0 }], nextFireAt: t0 });
        const before = await taskOf(tasks[0]?.id ?? '');
        const [again] = await store.scheduleClaimDue({ owner: OWNER_B, limit: 10, lookaheadMs: 0, leaseMs: LEASE, now: t0 });
        expect(again?.id).toBe(schedule.id);
        const dup = makeNewTask({ fireAt: t0, dueAt: t0 + 99 });
        const fresh = makeNewTask({ fireAt: t0 + 1000 });
        const twin = makeNewTask({ fireAt: t0 + 1000 });
        const result = await store.schedulePeel({
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
        const schedule = makeSchedule({ executor: exec, nextFireAt: t0 });
        await store.scheduleCreate(schedule);
        const [claimed] = await store.scheduleClaimDue({ owner: OWNER_A, limit: 1, lookaheadMs: 0, leaseMs: LEASE, now: t0 });
        const fence = claimed?.fence ?? 0;
        const attempt = (owner: string, f: number, now: number) =>
          store.schedulePeel({
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
    });

    describe('task claims', () => {
      it('starts due tasks: running, attempt + 1, fence + 1, lease, node, start time, event', async () => {
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
        await seed({ tasks: [{ dueAt: t0 + 1000 }] });
        expect(await claim({ now: t0 + 999 })).toEqual({ started: [], settled: [] });
        expect((await claim({ now: t0 + 1000 })).started).toHaveLength(1);
      });

      it('claims only tasks of the given executors', async () => {
        await seed();
        expect((await claim({ executors: ['someone-else'] })).started).toEqual([]);
        expect((await claim({ executors: ['someone-else', exec] })).started).toHaveLength(1);
      });

      it('starts at most limit tasks, highest priority first, then earliest due', async () => {
        const low = await seed({ tasks: [{ dueAt: t0 - 3000 }, { dueAt: t0 - 2000 }] });
        const high = await seed({ schedule: { policies: makePolicies({ priority: 5 }) }, tasks: [{ dueAt: t0 - 1000 }] });
        const first = await claim({ limit: 2 });
        expect(first.started.map((t) => t.id)).toEqual([high.tasks[0]?.id, low.tasks[0]?.id]);
        const second = await claim({ limit: 2 });
        expect(second.started.map((t) => t.id)).toEqual([low.tasks[1]?.id]);
      });

      it('four concurrent claims never start one task twice and together start exactly the due ones', async () => {
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
        await running();
        expect((await claim({ owner: OWNER_B, now: t0 + LEASE - 1 })).started).toEqual([]);
        expect((await claim({ owner: OWNER_B, now: t0 + LEASE + 1 })).started).toEqual([]);
      });

      it('records a pending task past its deadline as missed in settled, and starts one within it', async () => {
        const { tasks } = await seed({ tasks: [{ deadlineAt: t0 - 1 }, { deadlineAt: t0 + 1000 }] });
        const { started, settled } = await claim();
        expect(started.map((t) => t.id)).toEqual([tasks[1]?.id]);
        expect(settled).toHaveLength(1);
        expect(settled[0]).toMatchObject({ id: tasks[0]?.id, state: 'missed', endedAt: t0, leaseOwner: null });
        expect(await taskOf(tasks[0]?.id ?? '')).toMatchObject({ state: 'missed' });
        expect((await store.taskEvents(tasks[0]?.id ?? '')).at(-1)).toMatchObject({ from: 'pending', to: 'missed', at: t0 });
      });
    });

    describe('duplicate policy skip', () => {
      const skip = { policies: makePolicies({ duplicate: 'skip' }) };

      it('of two due tasks of one schedule claimed together, starts one and skips the other', async () => {
        const { tasks } = await seed({ schedule: skip, tasks: [{ dueAt: t0 - 2000 }, { dueAt: t0 - 1000 }] });
        const { started, settled } = await claim();
        expect(started.map((t) => t.id)).toEqual([tasks[0]?.id]);
        expect(settled).toHaveLength(1);
        expect(settled[0]).toMatchObject({ id: tasks[1]?.id, state: 'skipped', endedAt: t0, attempt: 0 });
        expect(settled[0]?.reason).toContain(tasks[0]?.id ?? '?');
        expect((await store.taskEvents(tasks[1]?.id ?? '')).at(-1)).toMatchObject({
          from: 'pending',
          to: 'skipped',
          nodeId: 'node-a',
        });
      });

      it('with duplicate policy run, starts both', async () => {
        await seed({ tasks: [{}, {}] });
        expect((await claim()).started).toHaveLength(2);
      });

      it('skips a task that falls due while a live run holds the slot', async () => {
        const { tasks } = await seed({ schedule: skip, tasks: [{ dueAt: t0 }, { dueAt: t0 + 1000 }] });
        expect((await claim()).started.map((t) => t.id)).toEqual([tasks[0]?.id]);
        const later = await claim({ owner: OWNER_B, now: t0 + 1000 });
        expect(later.started).toEqual([]);
        expect(later.settled.map((t) => [t.id, t.state])).toEqual([[tasks[1]?.id, 'skipped']]);
      });

      it('frees the slot when the run finishes', async () => {
        const { tasks } = await seed({ schedule: skip, tasks: [{ dueAt: t0 }, { dueAt: t0 + 1000 }] });
        const [first] = (await claim()).started;
        const done = await store.taskFinish({
          taskId: first?.id ?? '',
          owner: OWNER_A,
          fence: first?.fence ?? 0,
          nodeId: 'node-a',
          outcome: { state: 'completed', result: null, reason: null },
          now: t0 + 500,
        });
        expect(done?.state).toBe('completed');
        expect((await claim({ owner: OWNER_B, now: t0 + 1000 })).started.map((t) => t.id)).toEqual([tasks[1]?.id]);
      });

      it('is not blocked by a slot whose holder lease expired (even before repair)', async () => {
        const { tasks } = await seed({ schedule: skip, tasks: [{ dueAt: t0 }, { dueAt: t0 + LEASE + 1 }] });
        await claim();
        const later = await claim({ owner: OWNER_B, now: t0 + LEASE + 1 });
        expect(later.settled).toEqual([]);
        expect(later.started.map((t) => t.id)).toEqual([tasks[1]?.id]);
      });

      it('keeps the slot while the holder renews its lease', async () => {
        const { tasks } = await seed({ schedule: skip, tasks: [{ dueAt: t0 }, { dueAt: t0 + 40_000 }] });
        const [first] = (await claim()).started;
        const renewal = await store.taskRenewLeases({
          owner: OWNER_A,
          leases: [{ taskId: first?.id ?? '', fence: first?.fence ?? 0 }],
          leaseMs: LEASE,
          now: t0 + 20_000,
        });
        expect(renewal.renewed).toEqual([first?.id]);
        const later = await claim({ owner: OWNER_B, now: t0 + 40_000 });
        expect(later.started).toEqual([]);
        expect(later.settled.map((t) => [t.id, t.state])).toEqual([[tasks[1]?.id, 'skipped']]);
      });

      it('frees the slot when repair takes the holder back', async () => {
        const { tasks } = await seed({ schedule: skip, tasks: [{ dueAt: t0 }, { dueAt: t0 + 40_000 }] });
        await claim();
        const repaired = await store.taskRepairExpired({ nodeId: 'repairer', limit: 10, now: t0 + LEASE + 1 });
        expect(repaired.map((r) => r.task.id)).toEqual([tasks[0]?.id]);
        const later = await claim({ owner: OWNER_B, now: t0 + 40_000, limit: 1 });
        expect(later.started).toHaveLength(1);
      });
    });

    describe('renew', () => {
      it('renews live leases from now and reports the new expiry', async () => {
        const { task } = await running();
        const r = await store.taskRenewLeases({ owner: OWNER_A, leases: [{ taskId: task.id, fence: task.fence }], leaseMs: LEASE, now: t0 + 10_000 });
        expect(r).toEqual({ renewed: [task.id], lost: [], cancelRequested: [], expiresAt: t0 + 10_000 + LEASE });
        expect(await taskOf(task.id)).toMatchObject({ leaseExpiresAt: t0 + 10_000 + LEASE, fence: task.fence, state: 'running' });
      });

      it('reports a stale fence, another owner, or an expired lease as lost and leaves the row alone', async () => {
        const { task } = await running();
        const before = await taskOf(task.id);
        const stale = await store.taskRenewLeases({ owner: OWNER_A, leases: [{ taskId: task.id, fence: task.fence - 1 }], leaseMs: LEASE, now: t0 + 1 });
        expect(stale.lost).toEqual([task.id]);
        const other = await store.taskRenewLeases({ owner: OWNER_B, leases: [{ taskId: task.id, fence: task.fence }], leaseMs: LEASE, now: t0 + 1 });
        expect(other.lost).toEqual([task.id]);
        const expired = await store.taskRenewLeases({ owner: OWNER_A, leases: [{ taskId: task.id, fence: task.fence }], leaseMs: LEASE, now: t0 + LEASE + 1 });
        expect(expired).toMatchObject({ renewed: [], lost: [task.id] });
        expect(await taskOf(task.id)).toEqual(before);
      });

      it('renews several leases in one call and splits renewed from lost', async () => {
        const { tasks } = await seed({ tasks: [{}, {}, {}] });
        const { started } = await claim();
        expect(started).toHaveLength(3);
        const [a, b, c] = started as [Task, Task, Task];
        const r = await store.taskRenewLeases({
          owner: OWNER_A,
          leases: [
            { taskId: a.id, fence: a.fence },
            { taskId: b.id, fence: b.fence + 1 },
            { taskId: c.id, fence: c.fence },
            { taskId: randomUUID(), fence: 1 },
          ],
          leaseMs: LEASE,
          now: t0 + 5,
        });
        expect(r.renewed.sort()).toEqual([a.id, c.id].sort());
        expect(r.lost).toContain(b.id);
        expect(r.lost).toHaveLength(2);
        expect(tasks).toHaveLength(3);
      });

      it('returns an empty result for no leases', async () => {
        expect(await store.taskRenewLeases({ owner: OWNER_A, leases: [], leaseMs: LEASE, now: t0 })).toEqual({
          renewed: [],
          lost: [],
          cancelRequested: [],
          expiresAt: t0 + LEASE,
        });
      });
    });

    describe('finish', () => {
      it('commits completed with result, end time and event, and clears the lease', async () => {
        const { task } = await running();
        const done = await store.taskFinish({
          taskId: task.id,
          owner: OWNER_A,
          fence: task.fence,
          nodeId: 'node-a',
          outcome: { state: 'completed', result: TRICKY_PAYLOAD, reason: 'ok' },
          now: t0 + 100,
        });
        expect(done).toMatchObject({
          state: 'completed',
          result: TRICKY_PAYLOAD,
          error: null,
          reason: 'ok',
          endedAt: t0 + 100,
          leaseOwner: null,
          leaseExpiresAt: null,
          fence: task.fence,
          attempt: 1,
          failures: 0,
        });
        expect(await store.taskGet(task.id)).toEqual(done);
        expect((await store.taskEvents(task.id)).at(-1)).toEqual({
          taskId: task.id,
          at: t0 + 100,
          from: 'running',
          to: 'completed',
          nodeId: 'node-a',
          reason: 'ok',
          fence: task.fence,
        });
      });

      it('commits failed with the error and counts the failure', async () => {
        const { task } = await running();
        const done = await store.taskFinish({
          taskId: task.id,
          owner: OWNER_A,
          fence: task.fence,
          nodeId: 'node-a',
          outcome: { state: 'failed', error: 'boom', reason: null },
          now: t0 + 100,
        });
        expect(done).toMatchObject({ state: 'failed', error: 'boom', failures: 1, result: null, endedAt: t0 + 100 });
      });

      it('commits cancelled', async () => {
        const { task } = await running();
        const done = await store.taskFinish({
          taskId: task.id,
          owner: OWNER_A,
          fence: task.fence,
          nodeId: 'node-a',
          outcome: { state: 'cancelled', error: null, reason: 'cancelled by user' },
          now: t0 + 100,
        });
        expect(done).toMatchObject({ state: 'cancelled', reason: 'cancelled by user', failures: 0 });
      });

      it('commits abandoned as terminal: never claimed again', async () => {
        const { task } = await running();
        const done = await store.taskFinish({
          taskId: task.id,
          owner: OWNER_A,
          fence: task.fence,
          nodeId: 'node-a',
          outcome: { state: 'abandoned', reason: 'node stopping (at-most-once)' },
          now: t0 + 100,
        });
        expect(done).toMatchObject({ state: 'abandoned', reason: 'node stopping (at-most-once)', failures: 0, endedAt: t0 + 100 });
        expect((await claim({ now: t0 + LEASE * 10 })).started).toEqual([]);
        expect((await store.taskEvents(task.id)).at(-1)).toMatchObject({ from: 'running', to: 'abandoned' });
      });

      it('matches nothing with a stale fence, another owner or an expired lease, and leaves the row unchanged', async () => {
        const { task } = await running();
        const before = await taskOf(task.id);
        const outcome = { state: 'completed', result: 1, reason: null } as const;
        const base = { taskId: task.id, nodeId: 'node-a', outcome };
        expect(await store.taskFinish({ ...base, owner: OWNER_A, fence: task.fence - 1, now: t0 + 1 })).toBeUndefined();
        expect(await store.taskFinish({ ...base, owner: OWNER_B, fence: task.fence, now: t0 + 1 })).toBeUndefined();
        expect(await store.taskFinish({ ...base, owner: OWNER_A, fence: task.fence, now: t0 + LEASE + 1 })).toBeUndefined();
        expect(await taskOf(task.id)).toEqual(before);
        expect(await store.taskEvents(task.id)).toHaveLength(2);
      });

      it("a stale holder's write after repair and another claim matches nothing; the new holder's row is unchanged", async () => {
        const { task } = await running();
        await store.taskRepairExpired({ nodeId: 'repairer', limit: 10, now: t0 + LEASE + 1 });
        const [taken] = (await claim({ owner: OWNER_B, nodeId: 'node-b', now: t0 + LEASE + 2 })).started;
        expect(taken).toMatchObject({ id: task.id, leaseOwner: OWNER_B, fence: task.fence + 2, attempt: 2 });
        const before = await taskOf(task.id);
        const stale = await store.taskFinish({
          taskId: task.id,
          owner: OWNER_A,
          fence: task.fence,
          nodeId: 'node-a',
          outcome: { state: 'completed', result: 'zombie', reason: null },
          now: t0 + LEASE + 3,
        });
        expect(stale).toBeUndefined();
        const renewal = await store.taskRenewLeases({ owner: OWNER_A, leases: [{ taskId: task.id, fence: task.fence }], leaseMs: LEASE, now: t0 + LEASE + 3 });
        expect(renewal.lost).toEqual([task.id]);
        expect(await taskOf(task.id)).toEqual(before);
        const real = await store.taskFinish({
          taskId: task.id,
          owner: OWNER_B,
          fence: taken?.fence ?? 0,
          nodeId: 'node-b',
          outcome: { state: 'completed', result: 'real', reason: null },
          now: t0 + LEASE + 4,
        });
        expect(real).toMatchObject({ state: 'completed', result: 'real' });
      });

      it('hands a retry back as pending: not claimable before dueAt, then claimable with attempt + 1 and fence + 1', async () => {
        const { task } = await running();
        const retryAt = t0 + 60_000;
        const back = await store.taskFinish({
          taskId: task.id,
          owner: OWNER_A,
          fence: task.fence,
          nodeId: 'node-a',
          outcome: { state: 'pending', dueAt: retryAt, error: 'flaky', countFailure: true, reason: 'retry 1 of 3' },
          now: t0 + 1000,
        });
        expect(back).toMatchObject({ state: 'pending', dueAt: retryAt, error: 'flaky', failures: 1, leaseOwner: null, attempt: 1 });
        expect((await claim({ now: retryAt - 1 })).started).toEqual([]);
        const [again] = (await claim({ owner: OWNER_B, now: retryAt })).started;
        expect(again).toMatchObject({ id: task.id, attempt: 2, fence: task.fence + 1, leaseOwner: OWNER_B, failures: 1 });
      });

      it('records the whole history with from, to and node', async () => {
        const { task } = await running();
        await store.taskFinish({
          taskId: task.id,
          owner: OWNER_A,
          fence: task.fence,
          nodeId: 'node-a',
          outcome: { state: 'pending', dueAt: t0 + 10, error: 'e', countFailure: false, reason: 'graceful stop' },
          now: t0 + 5,
        });
        const [again] = (await claim({ owner: OWNER_B, nodeId: 'node-b', now: t0 + 10 })).started;
        await store.taskFinish({
          taskId: task.id,
          owner: OWNER_B,
          fence: again?.fence ?? 0,
          nodeId: 'node-b',
          outcome: { state: 'completed', result: null, reason: null },
          now: t0 + 20,
        });
        const events = await store.taskEvents(task.id);
        expect(events.map((e) => [e.from, e.to, e.nodeId, e.at])).toEqual([
          [null, 'pending', 'peeler-node', t0],
          ['pending', 'running', 'node-a', t0],
          ['running', 'pending', 'node-a', t0 + 5],
          ['pending', 'running', 'node-b', t0 + 10],
          ['running', 'completed', 'node-b', t0 + 20],
        ]);
        expect(events.map((e) => e.fence)).toEqual([0, 1, 1, 2, 2]);
      });
    });

    describe('repair', () => {
      it('returns an expired at-least-once task to pending, due now, fence + 1, and records who did it', async () => {
        const { task } = await running();
        expect(await store.taskRepairExpired({ nodeId: 'repairer', limit: 10, now: t0 + LEASE - 1 })).toEqual([]);
        const repaired = await store.taskRepairExpired({ nodeId: 'repairer', limit: 10, now: t0 + LEASE + 1 });
        expect(repaired).toHaveLength(1);
        expect(repaired[0]?.previousOwner).toBe(OWNER_A);
        expect(repaired[0]?.task).toMatchObject({
          id: task.id,
          state: 'pending',
          dueAt: t0 + LEASE + 1,
          fence: task.fence + 1,
          leaseOwner: null,
          leaseExpiresAt: null,
        });
        expect(await store.taskGet(task.id)).toEqual(repaired[0]?.task);
        expect((await store.taskEvents(task.id)).at(-1)).toMatchObject({
          from: 'running',
          to: 'pending',
          nodeId: 'repairer',
          at: t0 + LEASE + 1,
        });
        const stale = await store.taskFinish({
          taskId: task.id,
          owner: OWNER_A,
          fence: task.fence,
          nodeId: 'node-a',
          outcome: { state: 'completed', result: null, reason: null },
          now: t0 + LEASE + 2,
        });
        expect(stale).toBeUndefined();
        expect(await store.taskGet(task.id)).toEqual(repaired[0]?.task);
        expect(await store.taskRepairExpired({ nodeId: 'repairer', limit: 10, now: t0 + LEASE + 2 })).toEqual([]);
      });

      it('abandons an expired at-most-once task for good', async () => {
        const { task } = await running({ schedule: { policies: makePolicies({ delivery: 'at-most-once' }) } });
        const [r] = await store.taskRepairExpired({ nodeId: 'repairer', limit: 10, now: t0 + LEASE + 1 });
        expect(r?.task).toMatchObject({ id: task.id, state: 'abandoned', leaseOwner: null, fence: task.fence + 1 });
        expect((await claim({ owner: OWNER_B, now: t0 + LEASE + 10_000 })).started).toEqual([]);
        expect((await store.taskEvents(task.id)).at(-1)).toMatchObject({ from: 'running', to: 'abandoned', nodeId: 'repairer' });
      });

      it('repairs at most limit tasks per call', async () => {
        await seed({ tasks: [{}, {}, {}] });
        expect((await claim()).started).toHaveLength(3);
        const now = t0 + LEASE + 1;
        expect(await store.taskRepairExpired({ nodeId: 'r', limit: 2, now })).toHaveLength(2);
        expect(await store.taskRepairExpired({ nodeId: 'r', limit: 2, now })).toHaveLength(1);
        expect(await store.taskRepairExpired({ nodeId: 'r', limit: 2, now })).toHaveLength(0);
      });
    });

    describe('gates', () => {
      it('on-start: a schedule gated on a task is ungated when the task starts', async () => {
        const { schedule, tasks } = await seed({
          schedule: { policies: makePolicies({ taskCreation: 'on-start' }) },
          gate: 'first-task',
          nextFireAt: t0 + 60_000,
        });
        expect(schedule.gateTaskId).toBe(tasks[0]?.id);
        const claimGated = await store.scheduleClaimDue({ owner: OWNER_B, limit: 10, lookaheadMs: 120_000, leaseMs: LEASE, now: t0 });
        expect(claimGated).toEqual([]);
        await claim();
        expect(await store.scheduleGet(schedule.id)).toMatchObject({ gateTaskId: null, nextFireAt: t0 + 60_000 });
        const claimed = await store.scheduleClaimDue({ owner: OWNER_B, limit: 10, lookaheadMs: 120_000, leaseMs: LEASE, now: t0 });
        expect(claimed.map((s) => s.id)).toEqual([schedule.id]);
      });

      it('on-end: a retry keeps the gate; a terminal finish clears it', async () => {
        const { schedule, task } = await running({
          schedule: { policies: makePolicies({ taskCreation: 'on-end' }) },
          gate: 'first-task',
          nextFireAt: t0 + 60_000,
        });
        expect((await store.scheduleGet(schedule.id))?.gateTaskId).toBe(task.id);
        await store.taskFinish({
          taskId: task.id,
          owner: OWNER_A,
          fence: task.fence,
          nodeId: 'node-a',
          outcome: { state: 'pending', dueAt: t0 + 100, error: 'x', countFailure: true, reason: null },
          now: t0 + 50,
        });
        expect((await store.scheduleGet(schedule.id))?.gateTaskId).toBe(task.id);
        const [again] = (await claim({ now: t0 + 100 })).started;
        await store.taskFinish({
          taskId: task.id,
          owner: OWNER_A,
          fence: again?.fence ?? 0,
          nodeId: 'node-a',
          outcome: { state: 'failed', error: 'x', reason: null },
          now: t0 + 200,
        });
        expect(await store.scheduleGet(schedule.id)).toMatchObject({ gateTaskId: null, nextFireAt: t0 + 60_000 });
      });

      it('after-run: the next fire time becomes the end of the run plus the delay', async () => {
        const { schedule, task } = await running({
          schedule: {
            trigger: { kind: 'after-run', delayMs: 5000 },
            policies: makePolicies({ taskCreation: 'on-end' }),
          },
          gate: 'first-task',
          nextFireAt: null,
        });
        expect(await store.scheduleGet(schedule.id)).toMatchObject({ gateTaskId: task.id, nextFireAt: null });
        await store.taskFinish({
          taskId: task.id,
          owner: OWNER_A,
          fence: task.fence,
          nodeId: 'node-a',
          outcome: { state: 'completed', result: null, reason: null },
          now: t0 + 1234,
        });
        expect(await store.scheduleGet(schedule.id)).toMatchObject({ gateTaskId: null, nextFireAt: t0 + 1234 + 5000 });
      });

      it('a gate task that ends without running (missed, cancelled, abandoned) clears the gate', async () => {
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
        await store.taskRepairExpired({ nodeId: 'repairer', limit: 10, now: t0 + LEASE + 1 });
        expect((await taskOf(task.id)).state).toBe('abandoned');
        expect((await store.scheduleGet(schedule.id))?.gateTaskId).toBeNull();
      });
    });

    describe('cancel', () => {
      it('cancels a pending task at once', async () => {
        const { tasks } = await seed({ tasks: [{ dueAt: t0 + 1000 }] });
        const id = tasks[0]?.id ?? '';
        const cancelled = await store.taskRequestCancel({ taskId: id, reason: 'operator', now: t0 + 1 });
        expect(cancelled).toMatchObject({ id, state: 'cancelled', cancelRequested: true, reason: 'operator', endedAt: t0 + 1 });
        expect((await store.taskEvents(id)).at(-1)).toMatchObject({ from: 'pending', to: 'cancelled', at: t0 + 1 });
        expect((await claim({ now: t0 + 2000 })).started).toEqual([]);
      });

      it('asks a running task to stop; its node sees the request on renewal', async () => {
        const { task } = await running();
        const asked = await store.taskRequestCancel({ taskId: task.id, reason: 'operator', now: t0 + 1 });
        expect(asked).toMatchObject({ id: task.id, state: 'running', cancelRequested: true, leaseOwner: OWNER_A });
        const r = await store.taskRenewLeases({ owner: OWNER_A, leases: [{ taskId: task.id, fence: task.fence }], leaseMs: LEASE, now: t0 + 2 });
        expect(r).toMatchObject({ renewed: [task.id], cancelRequested: [task.id] });
      });

      it('leaves a terminal task alone and returns undefined for an unknown one', async () => {
        const { task } = await running();
        const done = await store.taskFinish({
          taskId: task.id,
          owner: OWNER_A,
          fence: task.fence,
          nodeId: 'node-a',
          outcome: { state: 'completed', result: null, reason: null },
          now: t0 + 1,
        });
        const after = await store.taskRequestCancel({ taskId: task.id, reason: 'late', now: t0 + 2 });
        expect(after?.state).toBe('completed');
        expect(after?.endedAt).toBe(done?.endedAt);
        expect(await store.taskRequestCancel({ taskId: randomUUID(), reason: 'x' })).toBeUndefined();
      });
    });

    describe('task reads', () => {
      it('lists tasks newest fire time first, filtered by schedule and state, limited', async () => {
        const a = await seed({ tasks: [{ fireAt: t0 - 3000 }, { fireAt: t0 - 2000 }, { fireAt: t0 - 1000, dueAt: t0 + 60_000 }] });
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
        expect(await store.taskGet(randomUUID())).toBeUndefined();
        expect(await store.taskEvents(randomUUID())).toEqual([]);
      });

      it('round-trips payloads and results as JSON: unicode, nesting, SQL-looking strings', async () => {
        const { task } = await running({ schedule: { payload: TRICKY_PAYLOAD } });
        expect(task.payload).toEqual(TRICKY_PAYLOAD);
        const result: Json = { echo: TRICKY_PAYLOAD, list: [["x'); DROP TABLE t;--"]] };
        const done = await store.taskFinish({
          taskId: task.id,
          owner: OWNER_A,
          fence: task.fence,
          nodeId: 'node-a',
          outcome: { state: 'completed', result, reason: "x'); DROP TABLE t;--" },
          now: t0 + 1,
        });
        expect((await taskOf(task.id)).result).toEqual(result);
        expect(done?.reason).toBe("x'); DROP TABLE t;--");
      });
    });

    describe('nodes', () => {
      const node = { id: 'node-1', host: 'host-1', pid: 4242, executors: ['a', 'b'], clockOffsetMs: 12 };

      it('registers a node with start and heartbeat from the store clock', async () => {
        const before = await store.clockNow();
        const record = await store.nodeRegister(node);
        const after = await store.clockNow();
        expect(record).toMatchObject({ ...node, stoppedAt: null });
        expect(record.startedAt).toBeGreaterThanOrEqual(before);
        expect(record.startedAt).toBeLessThanOrEqual(after);
        expect(record.heartbeatAt).toBe(record.startedAt);
        expect(await store.nodeList()).toEqual([record]);
      });

      it('records heartbeats and clock offsets, stops, and re-registers', async () => {
        await store.nodeRegister(node);
        expect(await store.nodeHeartbeat({ id: node.id, clockOffsetMs: -250, now: t0 + 5000 })).toBe(t0 + 5000);
        expect((await store.nodeList())[0]).toMatchObject({ heartbeatAt: t0 + 5000, clockOffsetMs: -250 });
        await store.nodeStop({ id: node.id, now: t0 + 6000 });
        expect((await store.nodeList())[0]).toMatchObject({ stoppedAt: t0 + 6000 });
        const again = await store.nodeRegister({ ...node, pid: 4343, executors: ['c'] });
        expect(again).toMatchObject({ id: node.id, pid: 4343, executors: ['c'], stoppedAt: null });
        expect(await store.nodeList()).toHaveLength(1);
      });

      it('lists running nodes before stopped ones', async () => {
        await store.nodeRegister({ ...node, id: 'stopped' });
        await store.nodeRegister({ ...node, id: 'running' });
        await store.nodeStop({ id: 'stopped', now: t0 });
        expect((await store.nodeList()).map((n) => n.id)).toEqual(['running', 'stopped']);
      });
    });
  });
}
