import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POLICIES,
  MAX_LEDGER_ROWS,
  MAX_PEEL_BACKLOG,
  createStrategyRegistry,
  planPeel,
  type MisfireStrategy,
  type NewTask,
  type PeelContext,
  type Schedule,
  type SchedulePolicies,
  type Trigger,
} from '../../src/index.js';

const SEC = 1_000;
const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');

type Over = Partial<Omit<Schedule, 'policies'>> & { policies?: Partial<SchedulePolicies> };
function sched(over: Over = {}): Schedule {
  const { policies, ...rest } = over;
  return {
    id: 's1',
    name: 'job',
    executor: 'noop',
    payload: null,
    trigger: { kind: 'interval', everyMs: MIN, anchor: T0 },
    startAt: null,
    endAt: null,
    state: 'active',
    clientId: null,
    validation: null,
    nextFireAt: T0,
    gateTaskId: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    fence: 1,
    createdAt: T0,
    updatedAt: T0,
    ...rest,
    policies: { ...DEFAULT_POLICIES, ...policies } as SchedulePolicies,
  };
}
function ctx(now: number, over: Partial<PeelContext> = {}): PeelContext {
  let n = 0;
  return {
    now,
    lookaheadMs: SEC,
    strategies: createStrategyRegistry(),
    ids: () => `t${(n += 1)}`,
    random: () => 0.5,
    ...over,
  };
}
const rows = (tasks: NewTask[], unit = MIN) => tasks.map((t) => [(t.fireAt - T0) / unit, t.state]);

/** Peels like a node would until nothing is due, returning every row and how many peels it took. */
function peelUntilCaughtUp(s: Schedule, c: PeelContext, maxPeels: number) {
  const all: NewTask[] = [];
  let peels = 0;
  for (;;) {
    const plan = planPeel(s, c);
    all.push(...plan.tasks);
    if (plan.tasks.length === 0) return { all, peels, last: plan };
    peels += 1;
    expect(peels).toBeLessThanOrEqual(maxPeels);
    s = { ...s, nextFireAt: plan.nextFireAt, gateTaskId: plan.gateTaskId };
  }
}

/** Every fire time `T0 + k * step` for k in [0, count) is stood for by exactly one row or span. */
function expectExactCover(tasks: NewTask[], step: number, count: number): void {
  const covered = tasks
    .map((t) => [t.fireAt, t.spanEndAt ?? t.fireAt, t.spanCount] as const)
    .sort((a, b) => a[0] - b[0]);
  let expected = T0;
  for (const [from, to, n] of covered) {
    expect(from).toBe(expected);
    expect((to - from) / step + 1).toBe(n);
    expected = to + step;
  }
  expect(expected).toBe(T0 + count * step);
  expect(covered.reduce((sum, c) => sum + c[2], 0)).toBe(count);
}

describe('planPeel: a 10-minute outage of a per-minute interval', () => {
  const now = T0 + 10 * MIN; // fire times T0 .. T0+10m; the grace (60 s) keeps T0+9m and T0+10m on time
  it.each([
    ['skip', {}, [...Array(9).fill('missed'), 'pending', 'pending']],
    ['run-once', {}, [...Array(8).fill('coalesced'), 'pending', 'pending', 'pending']],
    ['run-all', { misfireMaxRuns: 3 }, [...Array(6).fill('missed'), ...Array(5).fill('pending')]],
  ] as const)('misfire %s', (misfire, extra, states) => {
    const plan = planPeel(sched({ policies: { misfire, ...extra } }), ctx(now));
    expect(rows(plan.tasks)).toEqual(states.map((state, k) => [k, state]));
    expect(plan.nextFireAt).toBe(T0 + 11 * MIN);
    expect(plan.gateTaskId).toBeNull();
    expect(new Set(plan.tasks.map((t) => t.id)).size).toBe(11);
    for (const t of plan.tasks)
      expect([t.spanCount, t.spanEndAt, t.dueAt, t.deadlineAt]).toEqual([1, null, t.fireAt, null]);
  });

  it('is pure: the same inputs give the same plan', () => {
    const s = sched({ policies: { misfire: 'run-all' } });
    expect(planPeel(s, ctx(now))).toEqual(planPeel(s, ctx(now)));
  });
});

describe('planPeel: a clock a year ahead on a per-second interval', () => {
  const trigger: Trigger = { kind: 'interval', everyMs: SEC, anchor: T0 };
  const yearAhead = T0 + 365 * DAY;

  it.each(['skip', 'run-once', 'run-all'] as const)(
    '%s: one peel writes one span row for the first MAX_PEEL_BACKLOG, no run yet',
    (misfire) => {
      const plan = planPeel(sched({ trigger, policies: { misfire, misfireMaxRuns: 5 } }), ctx(yearAhead));
      expect(plan.tasks).toHaveLength(1);
      const [span] = plan.tasks;
      expect(span).toMatchObject({
        fireAt: T0,
        spanEndAt: T0 + (MAX_PEEL_BACKLOG - 1) * SEC,
        spanCount: MAX_PEEL_BACKLOG,
      });
      expect(span?.state).toBe(misfire === 'run-once' ? 'coalesced' : 'missed');
      expect(span?.dueAt).toBe(T0);
      expect(span?.reason).toMatch(/^10000 fire times from 2026-03-01T00:00:00\.000Z to 2026-03-01T02:46:39\.000Z/);
      expect(plan.nextFireAt).toBe(T0 + MAX_PEEL_BACKLOG * SEC);
    },
  );

  it('the peel that reaches the end of a backlog keeps the newest MAX_LEDGER_ROWS rows one by one', () => {
    const now = T0 + 5_000 * SEC; // 5 001 fire times, one peel, final; grace 0 keeps only T0+5000s on time
    const plan = planPeel(
      sched({ trigger, policies: { misfire: 'skip', misfireGraceMs: 0 } }),
      ctx(now, { lookaheadMs: 0 }),
    );
    expect(plan.tasks).toHaveLength(MAX_LEDGER_ROWS + 2);
    expect(plan.tasks[0]).toMatchObject({ fireAt: T0, spanEndAt: T0 + 4_899 * SEC, spanCount: 4_900, state: 'missed' });
    expect(
      plan.tasks.slice(1, -1).every((t) => t.state === 'missed' && t.spanCount === 1 && t.spanEndAt === null),
    ).toBe(true);
    expect(plan.tasks.at(-1)).toMatchObject({ fireAt: now, state: 'pending', spanCount: 1 });
    expectExactCover(plan.tasks, SEC, 5_001);
  });

  it('peeling on catches up: every fire time covered once, at most misfireMaxRuns runs (run-all)', () => {
    const now = T0 + 3.5 * MAX_PEEL_BACKLOG * SEC; // a backlog of 3.5 peels
    const c = ctx(now);
    const { all, peels, last } = peelUntilCaughtUp(
      sched({ trigger, policies: { misfire: 'run-all', misfireMaxRuns: 7 } }),
      c,
      10,
    );
    const horizonCount = (now + SEC - T0) / SEC + 1;
    expect(peels).toBe(4);
    expectExactCover(all, SEC, horizonCount);
    const pending = all.filter((t) => t.state === 'pending').map((t) => (t.fireAt - T0) / SEC);
    const firstOnTime = (now - DEFAULT_POLICIES.misfireGraceMs - T0) / SEC;
    expect(pending).toEqual([
      ...Array.from({ length: 7 }, (_, i) => firstOnTime - 7 + i),
      ...Array.from({ length: horizonCount - firstOnTime }, (_, i) => firstOnTime + i),
    ]);
    expect(last.nextFireAt).toBe(T0 + horizonCount * SEC);
  });

  it('a year of backlog is caught up over many peels with one coalesced run (run-once)', () => {
    const now = yearAhead - 1; // every fire time up to yearAhead - 1 s is misfired
    const { all, peels } = peelUntilCaughtUp(
      sched({ trigger, policies: { misfire: 'run-once', misfireGraceMs: 0 } }),
      ctx(now, { lookaheadMs: 0 }),
      4_000,
    );
    const count = 365 * 86_400;
    expect(peels).toBe(Math.ceil(count / MAX_PEEL_BACKLOG));
    expect(all.length).toBeLessThanOrEqual(peels + MAX_LEDGER_ROWS + 1);
    expectExactCover(all, SEC, count);
    expect(all.filter((t) => t.state === 'pending').map((t) => t.fireAt)).toEqual([yearAhead - SEC]);
  }, 60_000); // 31.5 million fire times: about 5 s of CPU

  it('a backlog of exactly MAX_PEEL_BACKLOG fire times is final: its run is not lost', () => {
    const now = T0 + MAX_PEEL_BACKLOG * SEC - 1; // T0 .. T0+9999s, all misfired
    const plan = planPeel(
      sched({ trigger, policies: { misfire: 'run-once', misfireGraceMs: 0 } }),
      ctx(now, { lookaheadMs: 0 }),
    );
    expect(plan.tasks.filter((t) => t.state === 'pending').map((t) => t.fireAt)).toEqual([
      T0 + (MAX_PEEL_BACKLOG - 1) * SEC,
    ]);
    expect(plan.nextFireAt).toBe(T0 + MAX_PEEL_BACKLOG * SEC);
    expectExactCover(plan.tasks, SEC, MAX_PEEL_BACKLOG);
  });

  it('folds only consecutive rows of one state into a span, never mislabelling a fire time', () => {
    const alternate: MisfireStrategy = ({ misfired }) =>
      misfired.map((fireAt) => ({
        fireAt,
        spanEndAt: null,
        spanCount: 1,
        state: ((fireAt - T0) / SEC) % 400 < 200 ? 'missed' : 'coalesced',
        reason: null,
      }));
    const strategies = createStrategyRegistry().register('misfire', 'alternate', alternate);
    const plan = planPeel(
      sched({ trigger, policies: { misfire: 'alternate' as 'skip', misfireGraceMs: 0 } }),
      ctx(T0 + 1_000 * SEC - 1, { strategies, lookaheadMs: 0 }),
    );
    const count = (state: string) => plan.tasks.filter((t) => t.state === state).reduce((n, t) => n + t.spanCount, 0);
    expect([count('missed'), count('coalesced')]).toEqual([600, 400]);
    expect(plan.tasks.map((t) => [t.spanCount, t.state]).slice(0, 5)).toEqual([
      [200, 'missed'],
      [200, 'coalesced'],
      [200, 'missed'],
      [200, 'coalesced'],
      [100, 'missed'],
    ]);
    expect(plan.tasks.slice(5).every((t) => t.spanCount === 1 && t.state === 'missed')).toBe(true);
    for (const t of plan.tasks.filter((r) => r.spanEndAt !== null)) {
      for (let f = t.fireAt; f <= (t.spanEndAt ?? 0); f += SEC)
        expect(alternate({ misfired: [f], final: true, maxRuns: 1 })[0]?.state).toBe(t.state);
    }
    expectExactCover(plan.tasks, SEC, 1_000);
  });
});

describe('planPeel: window, jitter, deadline', () => {
  it('clips fire times to the start/end window; past the end nothing is next', () => {
    const s = sched({ startAt: T0 + 3 * MIN, endAt: T0 + 6 * MIN, policies: { misfireGraceMs: DAY } });
    const plan = planPeel(s, ctx(T0 + 10 * MIN));
    expect(rows(plan.tasks)).toEqual([3, 4, 5, 6].map((k) => [k, 'pending']));
    expect(plan.nextFireAt).toBeNull();
    const early = planPeel(s, ctx(T0 + 4 * MIN));
    expect(rows(early.tasks)).toEqual([
      [3, 'pending'],
      [4, 'pending'],
    ]);
    expect(early.nextFireAt).toBe(T0 + 5 * MIN);
  });

  it('jitter: dueAt in [fireAt, fireAt + jitterMs), from the pinned random; ledger rows get none', () => {
    const s = sched({ policies: { jitterMs: 30_000, misfire: 'skip' } });
    for (const [r, off] of [
      [0, 0],
      [0.5, 15_000],
      [0.999_999, 29_999],
    ] as const) {
      const plan = planPeel(s, ctx(T0 + 2 * MIN, { random: () => r }));
      expect(plan.tasks.map((t) => [t.state, t.dueAt - t.fireAt])).toEqual([
        ['missed', 0],
        ['pending', off],
        ['pending', off],
      ]);
    }
  });

  it('startingDeadlineMs sets deadlineAt = fireAt + deadline on runs only', () => {
    const plan = planPeel(sched({ policies: { startingDeadlineMs: 5_000, misfire: 'skip' } }), ctx(T0 + 2 * MIN));
    expect(plan.tasks.map((t) => [t.state, t.deadlineAt === null ? null : t.deadlineAt - t.fireAt])).toEqual([
      ['missed', null],
      ['pending', 5_000],
      ['pending', 5_000],
    ]);
  });
});

describe('planPeel: gated creation, after-run, once, cron, nothing due', () => {
  it.each(['on-start', 'on-end'] as const)(
    '%s: one pending task, the gate, and the next fire time after it',
    (taskCreation) => {
      const s = sched({ trigger: { kind: 'interval', everyMs: SEC, anchor: T0 }, policies: { taskCreation } });
      const plan = planPeel(s, ctx(T0, { lookaheadMs: 5 * SEC }));
      expect(rows(plan.tasks, SEC)).toEqual([[0, 'pending']]);
      expect(plan.gateTaskId).toBe(plan.tasks[0]?.id);
      expect(plan.nextFireAt).toBe(T0 + SEC);
      const ahead = planPeel(
        { ...s, policies: { ...s.policies, taskCreation: 'ahead' } },
        ctx(T0, { lookaheadMs: 5 * SEC }),
      );
      expect(ahead.tasks.length).toBe(6);
      expect(ahead.gateTaskId).toBeNull();
    },
  );

  it('on-end keeps the misfire ledger before the one pending task', () => {
    const plan = planPeel(sched({ policies: { taskCreation: 'on-end', misfire: 'skip' } }), ctx(T0 + 3 * MIN));
    expect(rows(plan.tasks)).toEqual([
      [0, 'missed'],
      [1, 'missed'],
      [2, 'pending'],
    ]);
    expect(plan.gateTaskId).toBe(plan.tasks[2]?.id);
    expect(plan.nextFireAt).toBe(T0 + 3 * MIN);
  });

  it('after-run: one pending run, and no next fire time while it is pending', () => {
    const s = sched({
      trigger: { kind: 'after-run', delayMs: 5_000, firstAt: T0 },
      policies: { taskCreation: 'on-end' },
    });
    const plan = planPeel(s, ctx(T0));
    expect(rows(plan.tasks)).toEqual([[0, 'pending']]);
    expect(plan.gateTaskId).toBe(plan.tasks[0]?.id);
    expect(plan.nextFireAt).toBeNull();
  });

  it('after-run whose fire time is recorded missed goes on a delay later (not stuck)', () => {
    const s = sched({
      trigger: { kind: 'after-run', delayMs: 5_000, firstAt: T0 },
      policies: { taskCreation: 'on-end', misfire: 'skip' },
    });
    const now = T0 + 10 * MIN;
    const plan = planPeel(s, ctx(now));
    expect(rows(plan.tasks)).toEqual([[0, 'missed']]);
    expect(plan.gateTaskId).toBeNull();
    expect(plan.nextFireAt).toBe(now + 5_000);
    expect(planPeel({ ...s, endAt: now }, ctx(now)).nextFireAt).toBeNull();
  });

  it('after-run outside its window: before it waits for the start, after it ends', () => {
    const s = sched({
      trigger: { kind: 'after-run', delayMs: 5_000 },
      startAt: T0 + MIN,
      policies: { taskCreation: 'on-end' },
    });
    expect(planPeel(s, ctx(T0))).toEqual({ tasks: [], nextFireAt: T0 + MIN, gateTaskId: null });
    expect(planPeel({ ...s, startAt: null, endAt: T0 - 1 }, ctx(T0))).toEqual({
      tasks: [],
      nextFireAt: null,
      gateTaskId: null,
    });
  });

  it('once: one task, then nothing next', () => {
    const s = sched({ trigger: { kind: 'once', at: T0 + 500 }, nextFireAt: T0 + 500 });
    const plan = planPeel(s, ctx(T0));
    expect(plan.tasks.map((t) => [t.fireAt, t.state])).toEqual([[T0 + 500, 'pending']]);
    expect(plan.nextFireAt).toBeNull();
    expect(planPeel({ ...s, nextFireAt: null }, ctx(T0 + DAY))).toEqual({
      tasks: [],
      nextFireAt: null,
      gateTaskId: null,
    });
  });

  it('cron in a zone: fire times in UTC across the spring DST change', () => {
    const at = (iso: string) => Date.parse(iso);
    const s = sched({
      trigger: { kind: 'cron', expr: '0 9 * * *', tz: 'Europe/Berlin' },
      nextFireAt: at('2026-03-27T08:00:00Z'),
      policies: { misfire: 'run-all' },
    });
    const plan = planPeel(s, ctx(at('2026-03-30T07:00:00Z')));
    expect(plan.tasks.map((t) => [new Date(t.fireAt).toISOString(), t.state])).toEqual([
      ['2026-03-27T08:00:00.000Z', 'pending'],
      ['2026-03-28T08:00:00.000Z', 'pending'],
      ['2026-03-29T07:00:00.000Z', 'pending'],
      ['2026-03-30T07:00:00.000Z', 'pending'],
    ]);
    expect(plan.nextFireAt).toBe(at('2026-03-31T07:00:00Z'));
  });

  it('nothing due: a first fire time beyond the horizon keeps nextFireAt and the gate', () => {
    const s = sched({ nextFireAt: T0 + MIN, gateTaskId: null });
    expect(planPeel(s, ctx(T0))).toEqual({ tasks: [], nextFireAt: T0 + MIN, gateTaskId: null });
    expect(planPeel(s, ctx(T0 + MIN - SEC))).toMatchObject({ nextFireAt: T0 + 2 * MIN });
  });
});
