import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type {
  Datastore,
  NewTask,
  TaskClaimDueParams,
  TaskClaimDueResult,
  TaskOutcome,
} from '../datastore/datastore.js';
import type { DatastoreTestHooks } from '../datastore/test-hooks.js';
import type { Json } from '../json.js';
import { DEFAULT_POLICIES } from '../model/schedule-input.js';
import type { SchedulePolicies } from '../model/policies.js';
import type { Schedule } from '../model/schedule.js';
import type { Task } from '../model/task.js';
import { schedulePeelOne, taskFinishOne } from './one-of-many.js';

/** A fixed instant fixtures start from: 2024-01-01T00:00:00Z. */
export const FIXTURE_EPOCH = Date.UTC(2024, 0, 1);

/** Policies with every default of the model. */
export function makePolicies(overrides: Partial<SchedulePolicies> = {}): SchedulePolicies {
  return { ...(structuredClone(DEFAULT_POLICIES) as SchedulePolicies), ...overrides };
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
    clientId: null,
    validation: null,
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

// Everything below is shared by the conformance groups only; `testing/index.ts` does not export it.

/** The lease, in ms, the conformance tests take on schedules and tasks. */
export const LEASE = 30_000;
/** The owner the conformance helpers claim as. */
export const OWNER_A = 'owner-a';
/** A second owner, for steals, stale holders and concurrent claims. */
export const OWNER_B = 'owner-b';

/** What one conformance test runs against; read it inside a test, since each test gets fresh values. */
export interface ConformanceTest {
  /** The store under test: a fresh, empty one per test. */
  readonly store: Datastore;
  /** The store's clock when the test started; tests pin `now` to it except where they check the store's own clock. */
  readonly t0: number;
  /** An executor name unique to the test. */
  readonly exec: string;
  /** The test hooks the store calls: empty when the test starts; a test sets those it needs. */
  readonly hooks: DatastoreTestHooks;
}

/** Options of {@link ConformanceContext.seed}. */
export interface SeedOptions {
  /** Overrides of the schedule (by default: executor `exec`, next fire time `now`). */
  schedule?: Partial<Schedule>;
  /** The tasks to peel, as overrides of {@link makeNewTask}; one default task if omitted. */
  tasks?: Partial<NewTask>[];
  /** Gate the schedule on the first task. */
  gate?: 'first-task';
  /** The schedule's next fire time after the peel; null if omitted. */
  nextFireAt?: number | null;
  /** The time of the claim and peel; `t0` if omitted. */
  now?: number;
}

/**
 * What a conformance group registers its tests with: the current test's values (getters,
 * valid inside a test only) and helpers over them.
 */
export interface ConformanceContext extends ConformanceTest {
  /** Whether the store's clock follows the real clock (`ConformanceOptions.realClock`). */
  readonly realClock: boolean;
  /** Creates a schedule, claims it and peels `tasks` off it; returns both as stored. */
  seed(opts?: SeedOptions): Promise<{ schedule: Schedule; tasks: Task[] }>;
  /** Claims due tasks as {@link OWNER_A} on `node-a` at `t0` for the test's executor, limit 10. */
  claim(overrides?: Partial<TaskClaimDueParams>): Promise<TaskClaimDueResult>;
  /** Seeds one task and starts it under {@link OWNER_A} at `t0`. */
  running(opts?: SeedOptions): Promise<{ schedule: Schedule; task: Task }>;
  /** Reads a task that must exist. */
  taskOf(id: string): Promise<Task>;
  /** Commits `outcome` for the attempt `lease` (task id and fence) as OWNER_A on node-a. */
  finishAsA(lease: { id: string; fence: number }, outcome: TaskOutcome, now: number): Promise<Task | undefined>;
}

/**
 * Builds the context the conformance groups share. `test` is a live view (getters) of the
 * values the suite's `beforeEach` sets up; the context reads through it on every access.
 */
export function createConformanceContext(test: ConformanceTest, realClock: boolean): ConformanceContext {
  async function seed(opts: SeedOptions = {}): Promise<{ schedule: Schedule; tasks: Task[] }> {
    const { store, t0, exec } = test;
    const now = opts.now ?? t0;
    const schedule = makeSchedule({ executor: exec, nextFireAt: now, ...opts.schedule });
    await store.scheduleCreate(schedule);
    const claimed = await store.scheduleClaimDue({ owner: 'peeler', limit: 1000, lookaheadMs: 0, leaseMs: LEASE, now });
    const mine = claimed.find((s) => s.id === schedule.id);
    expect(mine, 'seed: the new schedule is claimable').toBeDefined();
    const tasks = (opts.tasks ?? [{}]).map((t) => makeNewTask(t));
    const peeled = await schedulePeelOne(store, {
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
    return test.store.taskClaimDue({
      owner: OWNER_A,
      nodeId: 'node-a',
      limit: 10,
      leaseMs: LEASE,
      executors: [test.exec],
      now: test.t0,
      ...overrides,
    });
  }

  async function running(opts: SeedOptions = {}): Promise<{ schedule: Schedule; task: Task }> {
    const { schedule, tasks } = await seed(opts);
    const { started } = await claim();
    const task = started.find((t) => t.id === tasks[0]?.id);
    if (!task) throw new Error('running: the seeded task did not start');
    return { schedule, task };
  }

  function finishAsA(
    lease: { id: string; fence: number },
    outcome: TaskOutcome,
    now: number,
  ): Promise<Task | undefined> {
    return taskFinishOne(test.store, {
      taskId: lease.id,
      owner: OWNER_A,
      fence: lease.fence,
      nodeId: 'node-a',
      outcome,
      now,
    });
  }

  async function taskOf(id: string): Promise<Task> {
    const task = await test.store.taskGet(id);
    if (!task) throw new Error(`task ${id} not found`);
    return task;
  }

  return {
    get store() {
      return test.store;
    },
    get t0() {
      return test.t0;
    },
    get exec() {
      return test.exec;
    },
    get hooks() {
      return test.hooks;
    },
    realClock,
    seed,
    claim,
    running,
    taskOf,
    finishAsA,
  };
}
