import type { NewTask } from '../../datastore/datastore.js';
import type { Schedule } from '../../model/schedule.js';
import type { IdStrategy } from '../../strategies/ids.js';
import type { OccurrencePlan } from '../../strategies/misfire.js';
import type { RandomStrategy } from '../../strategies/random.js';
import type { StrategyRegistry } from '../../strategies/registry.js';
import { fireTimesBetween, nextFireTime } from '../../trigger/next-fire.js';

/** Most fire times one peel of one schedule looks at; a longer backlog is peeled over several passes. */
export const MAX_PEEL_BACKLOG = 10_000;

/**
 * Most ledger rows written one by one in the peel that reaches the end of a backlog; older ones
 * are folded into span rows. A peel whose backlog goes on in a later peel folds all of its own.
 */
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

/** One row standing for `run`, consecutive ledger rows of one state (each possibly a span itself). */
function spanOf(run: OccurrencePlan[]): OccurrencePlan {
  const first = run[0] as OccurrencePlan;
  const last = run[run.length - 1] as OccurrencePlan;
  const count = run.reduce((n, p) => n + p.spanCount, 0);
  const lastAt = last.spanEndAt ?? last.fireAt;
  return {
    fireAt: first.fireAt,
    spanEndAt: lastAt,
    spanCount: count,
    state: first.state,
    reason: `${count} fire times from ${new Date(first.fireAt).toISOString()} to ${new Date(lastAt).toISOString()}: ${first.reason ?? first.state}`,
  };
}

/**
 * Folds all but the newest `keep` ledger rows into span rows. A span only ever
 * joins consecutive rows of one state, so that it never mislabels a fire time (a strategy may
 * mix `missed` and `coalesced`, or put a pending run between ledger rows).
 */
function foldOldLedgerRows(plans: OccurrencePlan[], keep: number): OccurrencePlan[] {
  let excess = plans.filter((p) => p.state !== 'pending').length - keep;
  if (excess <= 0) return plans;
  const out: OccurrencePlan[] = [];
  let run: OccurrencePlan[] = [];
  const flush = (): void => {
    if (run.length > 0) out.push(spanOf(run));
    run = [];
  };
  for (const p of plans) {
    if (excess > 0 && p.state !== 'pending') {
      if (run[0] && run[0].state !== p.state) flush();
      run.push(p);
      excess -= 1;
    } else {
      flush();
      out.push(p);
    }
  }
  flush();
  return out;
}

function clampToWindow(schedule: Schedule, fireTimes: number[]): number[] {
  return fireTimes.filter(
    (f) => (schedule.startAt === null || f >= schedule.startAt) && (schedule.endAt === null || f <= schedule.endAt),
  );
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

  // One fire time beyond the limit tells whether the backlog really continues in a later peel.
  const found = [first, ...fireTimesBetween(schedule.trigger, first, horizon, triggerCtx, MAX_PEEL_BACKLOG)].filter(
    (f) => f <= horizon,
  );
  if (found.length === 0) return { tasks: [], nextFireAt: first, gateTaskId: schedule.gateTaskId };
  const cut = found.length > MAX_PEEL_BACKLOG;
  if (cut) found.length = MAX_PEEL_BACKLOG;
  const inWindow = clampToWindow(schedule, found);
  const misfired = inWindow.filter((f) => f < misfireBefore);
  const onTime = inWindow.filter((f) => f >= misfireBefore);
  const final = !cut || onTime.length > 0;

  const misfire = ctx.strategies.get('misfire', policies.misfire);
  let plans: OccurrencePlan[] = [
    ...misfire({ misfired, final, maxRuns: policies.misfireMaxRuns }),
    ...(cut && !final
      ? []
      : onTime.map((fireAt) => ({ fireAt, spanEndAt: null, spanCount: 1, state: 'pending' as const, reason: null }))),
  ];
  // A backlog cut short is older than all that follows: one span row per peel, however long the outage.
  plans = foldOldLedgerRows(plans, cut && !final ? 0 : MAX_LEDGER_ROWS);

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
      deadlineAt:
        p.state === 'pending' && policies.startingDeadlineMs !== null ? p.fireAt + policies.startingDeadlineMs : null,
      state: p.state,
      reason: p.reason,
    };
  });

  let nextFireAt: number | null;
  if (schedule.trigger.kind === 'after-run') {
    // While a run is pending the next fire time waits for its end. A fire time only recorded
    // (missed) counts as a run that ended now; one before the window moves to its start.
    if (gateTaskId !== null) nextFireAt = null;
    else if (tasks.length > 0) nextFireAt = ctx.now + schedule.trigger.delayMs;
    else nextFireAt = schedule.startAt !== null && first < schedule.startAt ? schedule.startAt : first;
  } else {
    nextFireAt = nextFireTime(schedule.trigger, lastPlanned, triggerCtx);
  }
  if (nextFireAt !== null && schedule.endAt !== null && nextFireAt > schedule.endAt) nextFireAt = null;
  return { tasks, nextFireAt, gateTaskId };
}
