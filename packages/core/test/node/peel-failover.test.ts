import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createStrategyRegistry,
  resolveTimings,
  RookeryClient,
  runOnceMisfire,
  ValidationError,
  type Datastore,
  type SchedulePeelResult,
  type Task,
} from '../../src/index.js';
import { memoryCluster, memoryWakeBus, partition, startTestNode, stopUnderFakeTime, useFakeTime } from './harness.js';

beforeEach(() => useFakeTime());
afterEach(() => vi.useRealTimers());

/** A view of `datastore` whose `method` is `wrap` of the store's own. */
function around<K extends 'scheduleClaimDue' | 'schedulePeelMany'>(
  datastore: Datastore,
  method: K,
  wrap: (own: Datastore[K]) => Datastore[K],
): Datastore {
  const wrapped = wrap(datastore[method].bind(datastore) as Datastore[K]);
  return new Proxy(datastore, {
    get: (target, prop, receiver): unknown => (prop === method ? wrapped : Reflect.get(target, prop, receiver)),
  });
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A view of `datastore` that calls `onClaim` after each schedule claim that took schedules. */
const watchClaims = (datastore: Datastore, onClaim: () => void): Datastore =>
  around(datastore, 'scheduleClaimDue', (own) => async (p) => {
    const claimed = await own(p);
    if (claimed.length > 0) onClaim();
    return claimed;
  });

/** A view of `datastore` whose `schedulePeelMany` waits `delayMs` (a loaded machine) before it writes, and keeps what each write answered. */
const slowPeels = (datastore: Datastore, delayMs: number, answers: SchedulePeelResult[][]): Datastore =>
  around(datastore, 'schedulePeelMany', (own) => async (p) => {
    await pause(delayMs);
    const results = await own(p);
    answers.push(results);
    return results;
  });

/** A view of `datastore` whose schedule claims answer `delayMs` later (a node farther from the database). */
const slowScheduleClaims = (datastore: Datastore, delayMs: number): Datastore =>
  around(datastore, 'scheduleClaimDue', (own) => async (p) => {
    await pause(delayMs);
    return own(p);
  });

const noop = { noop: async () => null };

describe('a node that dies between its peel claim and its peel write', () => {
  for (const leaseMs of [3_000, 60_000]) {
    it(`holds the fire time back for the peel lease only: another node starts it within 1 s of its time (lease ${leaseMs} ms)`, async () => {
      const { datastore, client } = memoryCluster();
      let dead = false;
      // A claims, then every call of its fails: its peel is never written and its schedules stay leased to it.
      const aStore = partition(
        watchClaims(datastore, () => (dead = true)),
        () => dead,
        'node a is dead',
      );
      const a = await startTestNode(aStore, noop, { leaseMs });
      const fireAt = Date.now() + 10;
      await client.createSchedule({ name: 'x', executor: 'noop', trigger: { kind: 'once', at: fireAt } });
      await vi.advanceTimersByTimeAsync(150);
      expect(dead).toBe(true);
      const [held] = await datastore.scheduleList();
      expect(held).toMatchObject({ leaseOwner: a.node.leaseOwner, nextFireAt: fireAt });
      expect((held?.leaseExpiresAt ?? 0) - (held?.updatedAt ?? 0)).toBe(a.node.timings.peelLeaseMs);
      expect(await datastore.taskList()).toEqual([]);

      const b = await startTestNode(datastore, noop, { leaseMs });
      const started: { task: Task; at: number }[] = [];
      b.events.on('taskStarted', (task) => started.push({ task, at: Date.now() }));
      await vi.advanceTimersByTimeAsync(1_500);
      expect(started).toHaveLength(1);
      expect(started[0]?.task.fireAt).toBe(fireAt);
      expect((started[0]?.at ?? Infinity) - fireAt).toBeLessThan(1_000);
      expect(b.errors).toEqual([]);
      await stopUnderFakeTime(b.node);
      expect((await datastore.taskList())[0]).toMatchObject({ state: 'completed', nodeId: b.node.id });
    });
  }
});

describe('a node that dies between its claim of an announced schedule and its peel write, beside nodes that share their polls', () => {
  it('the others peel once more when its peel lease has ended: the fire time starts within 1 s, not a shared poll wait later', async () => {
    const { datastore } = memoryCluster();
    const bus = memoryWakeBus();
    let dead = false;
    const aStore = partition(
      watchClaims(datastore, () => (dead = true)),
      () => dead,
      'node a is dead',
    );
    // Three live nodes share the polls: B and C each wait 3 × 350 ms between idle polls.
    const options = { pollWaitsMs: [350], heartbeatEveryMs: 1_000 };
    await startTestNode(aStore, noop, { ...options, id: 'a', wakeSignals: bus.signals() });
    const others = [];
    for (const id of ['b', 'c'])
      others.push(
        await startTestNode(slowScheduleClaims(datastore, 5), noop, { ...options, id, wakeSignals: bus.signals() }),
      );
    await vi.advanceTimersByTimeAsync(1_100);
    const started: { task: Task; at: number }[] = [];
    for (const n of others) n.events.on('taskStarted', (task) => started.push({ task, at: Date.now() }));

    // The announcement wakes all three; A's claim comes back first, then A dies.
    const client = new RookeryClient({ datastore, builtInExecutors: ['noop'], wakeSignals: bus.signals() });
    const fireAt = Date.now() + 10;
    await client.createSchedule({ name: 'x', executor: 'noop', trigger: { kind: 'once', at: fireAt } });
    // A signal that finds nothing (a task another process took first) wakes B and C before A's
    // peel lease ends: the peel of that turn finds the schedule still leased, and must not make
    // them forget the peel still owed. (Work found would not do: a node that found work polls
    // at its own pace for a while.)
    bus.signals().announce(fireAt + 390, 'tasks');
    await vi.advanceTimersByTimeAsync(100);
    expect(dead).toBe(true);
    expect(await datastore.taskList()).toEqual([]);

    await vi.advanceTimersByTimeAsync(1_400);
    expect(started.map((s) => s.task.fireAt)).toEqual([fireAt]);
    expect((started[0]?.at ?? Infinity) - fireAt).toBeLessThan(1_000);
    for (const n of others) {
      expect(n.errors).toEqual([]);
      await stopUnderFakeTime(n.node);
    }
  });
});

describe('a peel slower than its lease', () => {
  it('still commits when no other node claimed the schedule meanwhile', async () => {
    const { datastore, client } = memoryCluster();
    const answers: SchedulePeelResult[][] = [];
    const a = await startTestNode(slowPeels(datastore, 2_000, answers), noop, { peelLeaseMs: 500 });
    const fireAt = Date.now() + 3_000;
    await client.createSchedule({ name: 'x', executor: 'noop', trigger: { kind: 'once', at: fireAt } });
    await vi.advanceTimersByTimeAsync(2_900);
    // The write came 2 s after a claim of 0.5 s, and nobody claimed in between: it held.
    expect(answers).toEqual([[{ ok: true, created: [expect.objectContaining({ fireAt })] }]]);
    await vi.advanceTimersByTimeAsync(600);
    expect(await datastore.taskList()).toEqual([
      expect.objectContaining({ fireAt, state: 'completed', nodeId: a.node.id }),
    ]);
    expect(a.errors).toEqual([]);
    await stopUnderFakeTime(a.node);
  });

  it('is refused once another node claimed the schedule after the lease expired; the fire time runs once, peeled by that node', async () => {
    const { datastore, client } = memoryCluster();
    const answers: SchedulePeelResult[][] = [];
    let claimedByA = false;
    const a = await startTestNode(
      slowPeels(
        watchClaims(datastore, () => (claimedByA = true)),
        2_000,
        answers,
      ),
      noop,
      { peelLeaseMs: 500 },
    );
    const fireAt = Date.now() + 10;
    await client.createSchedule({ name: 'x', executor: 'noop', trigger: { kind: 'once', at: fireAt } });
    await vi.advanceTimersByTimeAsync(150);
    expect(claimedByA).toBe(true);
    const b = await startTestNode(datastore, noop, { peelLeaseMs: 500 });
    const started: Task[] = [];
    for (const n of [a, b]) n.events.on('taskStarted', (task) => started.push(task));
    await vi.advanceTimersByTimeAsync(3_000);
    expect(answers[0]).toEqual([{ ok: false, created: [] }]);
    const tasks = await datastore.taskList();
    expect(tasks).toEqual([expect.objectContaining({ fireAt, state: 'completed', nodeId: b.node.id })]);
    expect(started.map((t) => t.id)).toEqual([tasks[0]?.id]);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await stopUnderFakeTime(a.node);
    await stopUnderFakeTime(b.node);
  });
});

describe('a schedule this node cannot plan', () => {
  it('is reported once, not on every peel round; once it has peeled, a new failure is reported again', async () => {
    const { datastore } = memoryCluster();
    const client = new RookeryClient({
      datastore,
      builtInExecutors: ['noop'],
      strategies: createStrategyRegistry().register('misfire', 'custom', runOnceMisfire),
    });
    // The node lacks the schedule's misfire strategy until it is registered below.
    const strategies = createStrategyRegistry();
    let claims = 0;
    const a = await startTestNode(
      watchClaims(datastore, () => (claims += 1)),
      noop,
      { strategies, peelLeaseMs: 500 },
    );
    await client.createSchedule({
      name: 'x',
      executor: 'noop',
      trigger: { kind: 'interval', everyMs: 1_000 },
      policies: { misfire: 'custom' },
    });
    await vi.advanceTimersByTimeAsync(1_600);
    expect(claims).toBeGreaterThanOrEqual(2);
    expect(a.errors.map((e) => e.message)).toEqual([expect.stringContaining("no misfire strategy 'custom'")]);
    expect(await datastore.taskList()).toEqual([]);

    let broken: Error | null = null;
    strategies.register('misfire', 'custom', (input) => {
      if (broken) throw broken;
      return runOnceMisfire(input);
    });
    await vi.advanceTimersByTimeAsync(1_600);
    expect((await datastore.taskList()).length).toBeGreaterThan(0);
    expect(a.errors).toHaveLength(1);

    broken = new Error('the custom misfire strategy is down');
    const claimsBefore = claims;
    // The peel wrote fire times 5 s ahead (the lookahead); the schedule is claimed again once its
    // next one is within 2.5 s, then on every round after its peel lease.
    await vi.advanceTimersByTimeAsync(4_000);
    expect(claims - claimsBefore).toBeGreaterThanOrEqual(2);
    expect(a.errors.map((e) => e.message)).toEqual([
      expect.stringContaining("no misfire strategy 'custom'"),
      'the custom misfire strategy is down',
    ]);
    await stopUnderFakeTime(a.node);
  });
});

describe('the peel lease option', () => {
  it('defaults to half a second whatever the lease, and is refused with a ValidationError naming peelLeaseMs outside 50 to leaseMs', () => {
    expect(resolveTimings({}).peelLeaseMs).toBe(500);
    expect(resolveTimings({ leaseMs: 3_600_000 }).peelLeaseMs).toBe(500);
    expect(resolveTimings({ leaseMs: 2_000, peelLeaseMs: 2_000 }).peelLeaseMs).toBe(2_000);
    for (const peelLeaseMs of [49, 2_001, 100.5, Number.NaN]) {
      expect(() => resolveTimings({ leaseMs: 2_000, peelLeaseMs })).toThrow(ValidationError);
      expect(() => resolveTimings({ leaseMs: 2_000, peelLeaseMs })).toThrow(
        expect.objectContaining({ field: 'peelLeaseMs' }),
      );
    }
  });
});
