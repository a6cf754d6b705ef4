import type { NewTask } from '../datastore/datastore.js';
import type { Schedule } from '../model/schedule.js';
import type { IdStrategy } from '../strategies/ids.js';
import type { OccurrencePlan } from '../strategies/misfire.js';
import type { RandomStrategy } from '../strategies/random.js';
import type { StrategyRegistry } from '../strategies/registry.js';
import { fireTimesBetween, nextFireTime } from '../trigger/next-fire.js';

/** Most fire times one peel of one schedule looks at; a longer backlog is peeled over several passes. */
export const MAX_PEEL_BACKLOG = 10_000;

/** Most ledger rows of one state written one by one in a peel; older ones are folded into one span row. */
export const MAX_LEDGER_ROWS = 100;

/** What peeling one schedule writes. */
export interface PeelPlan {
  /** Rows to insert. */
  tasks: NewTask[];
  /** The schedule's next fire time after this peel. */
  nextFireAt: number | null;
  /** Task the next peel waits for, or null. */
  gateTaskId: string | null;
}

/** Everything {@link planPeel} needs besides the schedule. */
export interface PeelContext {
  /** Best estimate of the database clock now. */
  now: number;
  /** How far ahead of now fire times are peeled. */
  lookaheadMs: number;
  /** Strategies. */
  strategies: StrategyRegistry;
  /** Primary keys. */
  ids: IdStrategy;
  /** Jitter. */
  random: RandomStrategy;
}

function foldOldLedgerRows(plans: OccurrencePlan[]): OccurrencePlan[] {
  const terminal = plans.filter((p) => p.state !== 'pending');
  if (terminal.length <= MAX_LEDGER_ROWS) return plans;
  const fold = terminal.slice(0, terminal.length - MAX_LEDGER_ROWS);
  const foldedSet = new Set(fold);
  const first = fold[0];
  const last = fold[fold.length - 1];
  if (!first || !last) return plans;
  const span: OccurrencePlan = {
    fireAt: first.fireAt,
    spanEndAt: last.fireAt,
    spanCount: fold.length,
    state: first.state,
    reason: `${fold.length} fire times from ${new Date(first.fireAt).toISOString()} to ${new Date(last.fireAt).toISOString()}: ${first.reason ?? first.state}`,
  };
  return [span, ...plans.filter((p) => !foldedSet.has(p))];
}

function clampToWindow(schedule: Schedule, fireTimes: number[]): number[] {
  return fireTimes.filter((f) => (schedule.startAt === null || f >= schedule.startAt) && (schedule.endAt === null || f <= schedule.endAt));
}

/**
 * Plans the peel of one claimed schedule: which fire times become pending tasks, which are
 * recorded as missed or coalesced (per its misfire policy), and where the schedule goes next.
 * Pure: the same inputs give the same plan.
 */
export function planPeel(schedule: Schedule, ctx: PeelContext): PeelPlan {
  const first = schedule.nextFireAt;
  if (first === null) return { tasks: [], nextFireAt: null, gateTaskId: schedule.gateTaskId };
  const { policies } = schedule;
  const triggerCtx = { dst: policies.dst, createdAt: schedule.createdAt };
  const gate = ctx.strategies.get('taskCreation', policies.taskCreation).gate;
  const horizon = ctx.now + ctx.lookaheadMs;
  const misfireBefore = ctx.now - policies.misfireGraceMs;

  const found = [first, ...fireTimesBetween(schedule.trigger, first, horizon, triggerCtx, MAX_PEEL_BACKLOG - 1)].filter((f) => f <= horizon);
  if (found.length === 0) return { tasks: [], nextFireAt: first, gateTaskId: schedule.gateTaskId };
  const cut = found.length >= MAX_PEEL_BACKLOG;
  const inWindow = clampToWindow(schedule, found);
  const misfired = inWindow.filter((f) => f < misfireBefore);
  const onTime = inWindow.filter((f) => f >= misfireBefore);
  const final = !cut || onTime.length > 0;

  const misfire = ctx.strategies.get('misfire', policies.misfire);
  let plans: OccurrencePlan[] = [
    ...misfire({ misfired, final, maxRuns: policies.misfireMaxRuns }),
    ...(cut && !final ? [] : onTime.map((fireAt) => ({ fireAt, spanEndAt: null, spanCount: 1, state: 'pending' as const, reason: null }))),
  ];
  plans = foldOldLedgerRows(plans);

  // A gated schedule peels one pending task at a time; later fire times wait for the gate.
  let gateTaskId: string | null = null;
  let lastPlanned = found[found.length - 1] ?? first;
  if (gate !== null || schedule.trigger.kind === 'after-run') {
    const firstPending = plans.findIndex((p) => p.state === 'pending');
    if (firstPending >= 0) {
      plans = plans.slice(0, firstPending + 1);
      lastPlanned = plans[firstPending]?.fireAt ?? lastPlanned;
    }
  }

  const tasks: NewTask[] = plans.map((p) => {
    const id = ctx.ids(ctx.now);
    const jitter = p.state === 'pending' && policies.jitterMs > 0 ? Math.floor(ctx.random() * policies.jitterMs) : 0;
    if (p.state === 'pending' && (gate !== null || schedule.trigger.kind === 'after-run')) gateTaskId = id;
    return {
      id,
      fireAt: p.fireAt,
      spanEndAt: p.spanEndAt,
      spanCount: p.spanCount,
      dueAt: p.fireAt + jitter,
      deadlineAt: p.state === 'pending' && policies.startingDeadlineMs !== null ? p.fireAt + policies.startingDeadlineMs : null,
      state: p.state,
      reason: p.reason,
    };
  });

  let nextFireAt: number | null;
  if (schedule.trigger.kind === 'after-run') {
    nextFireAt = gateTaskId === null && tasks.length === 0 ? first : null;
  } else {
    nextFireAt = nextFireTime(schedule.trigger, lastPlanned, triggerCtx);
    if (nextFireAt !== null && schedule.endAt !== null && nextFireAt > schedule.endAt) nextFireAt = null;
  }
  return { tasks, nextFireAt, gateTaskId };
}
