import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_POLICIES,
  MemoryDatastore,
  RookeryClient,
  StrategyRegistry,
  ValidationError,
  createStrategyRegistry,
  exponentialRetry,
  fixedRetry,
  noRetry,
  planPeel,
  runAllMisfire,
  runOnceMisfire,
  skipMisfire,
  type MisfireStrategy,
  type Schedule,
  type ScheduleInput,
  type SchedulePolicies,
} from '../../src/index.js';
import { startTestNode, stopUnderFakeTime, useFakeTime } from '../node/harness.js';

const MIN = 60_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');

function schedule(policies: Partial<SchedulePolicies>, nextFireAt = T0): Schedule {
  return {
    id: 'sched-1',
    name: 'job',
    executor: 'noop',
    payload: null,
    trigger: { kind: 'interval', everyMs: MIN, anchor: T0 },
    startAt: null,
    endAt: null,
    policies: { ...DEFAULT_POLICIES, ...policies } as SchedulePolicies,
    state: 'active',
    clientId: null,
    validation: null,
    nextFireAt,
    gateTaskId: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    fence: 0,
    createdAt: T0,
    updatedAt: T0,
  };
}

/** Runs only the oldest misfired fire time; the rest are missed. */
const oldestOnly: MisfireStrategy = ({ misfired }) =>
  misfired.map((fireAt, i) => ({
    fireAt,
    spanEndAt: null,
    spanCount: 1,
    state: i === 0 ? 'pending' : 'missed',
    reason: 'oldest only',
  }));

let n = 0;
const ids = () => `id-${(n += 1)}`;

afterEach(() => vi.useRealTimers());

describe('the built-in strategy registry', () => {
  const registry = createStrategyRegistry();

  it('holds every built-in of every kind', () => {
    expect(registry.names('retry').sort()).toEqual(['exponential', 'fixed', 'none']);
    expect(registry.names('misfire').sort()).toEqual(['run-all', 'run-once', 'skip']);
    expect(registry.names('duplicate').sort()).toEqual(['queue', 'replace', 'run', 'skip']);
    expect(registry.names('taskCreation').sort()).toEqual(['ahead', 'on-end', 'on-start']);
    expect(registry.names('delivery').sort()).toEqual(['at-least-once', 'at-most-once']);
  });

  it('hands out the built-in functions and settings', () => {
    expect(registry.get('retry', 'none')).toBe(noRetry);
    expect(registry.get('retry', 'fixed')).toBe(fixedRetry);
    expect(registry.get('retry', 'exponential')).toBe(exponentialRetry);
    expect(registry.get('misfire', 'skip')).toBe(skipMisfire);
    expect(registry.get('misfire', 'run-once')).toBe(runOnceMisfire);
    expect(registry.get('misfire', 'run-all')).toBe(runAllMisfire);
    expect(registry.get('duplicate', 'skip').needsRunSlot).toBe(true);
    expect(registry.get('duplicate', 'run').needsRunSlot).toBe(false);
    expect(registry.get('taskCreation', 'on-end').gate).toBe('end');
    expect(registry.get('taskCreation', 'on-start').gate).toBe('start');
    expect(registry.get('taskCreation', 'ahead').gate).toBeNull();
    expect(registry.get('delivery', 'at-most-once').onLeaseLost).toBe('abandon');
    expect(registry.get('delivery', 'at-least-once').onLeaseLost).toBe('rerun');
  });

  it('an empty registry knows no retry or misfire strategy, and names the field it was asked for', () => {
    const empty = new StrategyRegistry();
    expect(empty.names('retry')).toEqual([]);
    expect(empty.names('misfire')).toEqual([]);
    expect(() => empty.get('retry', 'fixed', 'policies.retry.kind')).toThrow(
      expect.objectContaining({ field: 'policies.retry.kind' }),
    );
  });

  it('every registry holds the closed kinds, built-ins only: duplicate, task creation and delivery', () => {
    const empty = new StrategyRegistry();
    expect(empty.names('duplicate').sort()).toEqual(['queue', 'replace', 'run', 'skip']);
    expect(empty.names('taskCreation').sort()).toEqual(['ahead', 'on-end', 'on-start']);
    expect(empty.names('delivery').sort()).toEqual(['at-least-once', 'at-most-once']);
    expect(() => empty.get('duplicate', 'latest-wins', 'policies.duplicate')).toThrow(
      expect.objectContaining({ code: 'VALIDATION', field: 'policies.duplicate' }),
    );
  });

  it.each(['duplicate', 'taskCreation', 'delivery'] as const)(
    'refuses to register a %s strategy, a custom name or a built-in one, with a ValidationError on kind',
    (kind) => {
      const registry = createStrategyRegistry();
      // The datastore carries these out in its own statements: a JavaScript strategy would never run.
      const register = registry.register.bind(registry) as (
        kind: string,
        name: string,
        strategy: unknown,
      ) => StrategyRegistry;
      for (const name of ['custom', registry.names(kind)[0] ?? '']) {
        expect(() => register(kind, name, {})).toThrow(ValidationError);
        expect(() => register(kind, name, {})).toThrow(expect.objectContaining({ field: 'kind' }));
        expect(registry.has(kind, 'custom')).toBe(false);
      }
      expect(registry.get('delivery', 'at-most-once').onLeaseLost).toBe('abandon');
    },
  );

  it('registries are independent: registering in one leaves another untouched', () => {
    const a = createStrategyRegistry().register('misfire', 'oldest-only', oldestOnly);
    expect(a.get('misfire', 'oldest-only')).toBe(oldestOnly);
    expect(createStrategyRegistry().has('misfire', 'oldest-only')).toBe(false);
  });
});

describe('the client refuses unregistered strategies, writing nothing', () => {
  it.each([
    [{ misfire: 'all' }, 'policies.misfire'],
    [{ retry: { kind: 'linear' } }, 'policies.retry.kind'],
    [{ duplicate: 'latest-wins' }, 'policies.duplicate'],
    [{ taskCreation: 'on-commit' }, 'policies.taskCreation'],
    [{ delivery: 'exactly-once' }, 'policies.delivery'],
  ] as const)('a well-formed but unregistered strategy name %j is refused on %s', async (policies, field) => {
    const datastore = new MemoryDatastore();
    const client = new RookeryClient({ datastore, builtInExecutors: ['noop'] });
    // As from JSON: the closed kinds' names are typed unions, so only an untyped caller can send another.
    const create = client.createSchedule({
      name: 'x',
      executor: 'noop',
      trigger: { kind: 'interval', everyMs: MIN },
      policies: policies as ScheduleInput['policies'],
    });
    await expect(create).rejects.toMatchObject({ code: 'VALIDATION', field });
    expect(await datastore.scheduleList()).toEqual([]);
  });

  it('accepts a schedule naming a registered custom strategy', async () => {
    const datastore = new MemoryDatastore();
    const strategies = createStrategyRegistry().register('misfire', 'oldest-only', oldestOnly);
    const client = new RookeryClient({ datastore, builtInExecutors: ['noop'], strategies });
    const s = await client.createSchedule({
      name: 'x',
      executor: 'noop',
      trigger: { kind: 'interval', everyMs: MIN },
      policies: { misfire: 'oldest-only' },
    });
    expect(s.policies.misfire).toBe('oldest-only');
  });

  it('a registry without a built-in refuses schedules naming it', async () => {
    const datastore = new MemoryDatastore();
    const strategies = new StrategyRegistry().register('misfire', 'skip', skipMisfire);
    const client = new RookeryClient({ datastore, builtInExecutors: ['noop'], strategies });
    await expect(
      client.createSchedule({ name: 'x', executor: 'noop', trigger: { kind: 'interval', everyMs: MIN } }),
    ).rejects.toMatchObject({
      field: 'policies.misfire',
    });
    expect(await datastore.scheduleList()).toEqual([]);
  });
});

describe('a custom strategy is used by planPeel and by the node', () => {
  const strategies = createStrategyRegistry().register('misfire', 'oldest-only', oldestOnly);

  it('planPeel asks the registry for the schedule’s misfire strategy by name', () => {
    const s = schedule({ misfire: 'oldest-only' as SchedulePolicies['misfire'], misfireGraceMs: 1_000 });
    const plan = planPeel(s, { now: T0 + 5 * MIN + 30_000, lookaheadMs: 1_000, strategies, ids, random: () => 0 });
    expect(plan.tasks.map((t) => [t.fireAt - T0, t.state, t.reason])).toEqual([
      [0, 'pending', 'oldest only'],
      ...[1, 2, 3, 4, 5].map((k) => [k * MIN, 'missed', 'oldest only']),
    ]);
    expect(plan.nextFireAt).toBe(T0 + 6 * MIN);
  });

  it('planPeel refuses a schedule whose strategy is not registered', () => {
    const s = schedule({ misfire: 'oldest-only' as SchedulePolicies['misfire'], misfireGraceMs: 1_000 });
    expect(() =>
      planPeel(s, { now: T0 + 5 * MIN, lookaheadMs: 0, strategies: createStrategyRegistry(), ids, random: () => 0 }),
    ).toThrow(ValidationError);
  });

  it('a replaced built-in is what a node uses for schedules naming it', async () => {
    useFakeTime(T0);
    const datastore = new MemoryDatastore();
    const replaced = createStrategyRegistry().register('misfire', 'run-all', oldestOnly);
    const client = new RookeryClient({ datastore, builtInExecutors: ['noop'], strategies: replaced });
    const s = await client.createSchedule({
      name: 'replaced',
      executor: 'noop',
      trigger: { kind: 'interval', everyMs: MIN },
      policies: { misfire: 'run-all', misfireGraceMs: 1_000 },
    });
    await vi.advanceTimersByTimeAsync(5 * MIN + 30_000);
    const runs: number[] = [];
    const { node, errors } = await startTestNode(
      datastore,
      { noop: async (ctx) => void runs.push(ctx.task.fireAt) },
      { strategies: replaced },
    );
    await vi.advanceTimersByTimeAsync(5_000);
    await stopUnderFakeTime(node);
    const tasks = await datastore.taskList({ scheduleId: s.id });
    expect(runs).toEqual([T0]);
    expect(
      tasks
        .filter((t) => t.state === 'missed')
        .map((t) => t.fireAt - T0)
        .sort((a, b) => a - b),
    ).toEqual([1, 2, 3, 4, 5].map((k) => k * MIN));
    expect(errors).toEqual([]);
  });
});
