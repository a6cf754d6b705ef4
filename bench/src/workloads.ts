import type { JobInput, ScheduleInput } from '@rookery/core';
import type { BenchOptions } from './options.js';

/** The executor every bench schedule runs (bench/fixtures/bench-functions.mjs). */
export const BENCH_EXECUTOR = 'noop';

/** Ten years, ms: how far ahead the `stored` workload's idle schedules start. */
const FAR_AHEAD_MS = 10 * 365 * 86_400_000;

/** Fire times the due part of a workload must produce. */
export interface ExpectedWork {
  /** How many (schedule, fire time) pairs fall due. */
  count: number;
  /** The last due time, epoch ms. */
  lastDueAt: number;
}

/**
 * Schedules `from` to `to` (exclusive) of the `stored` workload: daily intervals that start ten
 * years after `now`, so they are stored and indexed but never due during the run.
 */
export function storedInputs(from: number, to: number, now: number): ScheduleInput[] {
  const inputs: ScheduleInput[] = [];
  for (let i = from; i < to; i += 1) {
    inputs.push({
      name: `stored-${i}`,
      executor: BENCH_EXECUTOR,
      trigger: { kind: 'interval', everyMs: 86_400_000 },
      startAt: now + FAR_AHEAD_MS + (i % 86_400) * 1_000,
    });
  }
  return inputs;
}

/** `count` every-second interval schedules firing at `t0`, `t0 + 1 s`, … for `seconds` fire times each, running `taskMs` each. */
function everySecond(prefix: string, count: number, seconds: number, t0: number, taskMs: number): ScheduleInput[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `${prefix}-${i}`,
    executor: BENCH_EXECUTOR,
    payload: { ms: taskMs },
    trigger: { kind: 'interval', everyMs: 1_000, anchor: t0 },
    startAt: t0,
    endAt: t0 + (seconds - 1) * 1_000,
  }));
}

/** Due time of the `i`-th of `tasks` one-shots spread evenly over `seconds` from `t0` (`spread`, `failover`). */
export function spreadDueAt(i: number, tasks: number, seconds: number, t0: number): number {
  return t0 + Math.floor((i * seconds * 1_000) / tasks);
}

/** A minute, ms: the period of the `cron` workload's schedules. */
const MINUTE_MS = 60_000;

/** How many times each `cron` schedule fires: W seconds in whole minutes, rounded up. */
export function cronMinutes(options: Pick<BenchOptions, 'seconds'>): number {
  return Math.ceil(options.seconds / 60);
}

/**
 * The first due time of a workload whose work is created by `earliest`: `earliest` itself, or
 * for `cron` the start of the next minute from it (when `* * * * *` fires).
 */
export function firstDueAt(options: Pick<BenchOptions, 'workload'>, earliest: number): number {
  return options.workload === 'cron' ? Math.ceil(earliest / MINUTE_MS) * MINUTE_MS : earliest;
}

/**
 * The jobs of a workload, enqueued with `enqueueMany` (the fastest way in): `burst`, M jobs all
 * due at `t0`; `spread`, M jobs due evenly over W seconds. None for the other workloads.
 */
export function dueJobs(options: BenchOptions, t0: number): JobInput[] {
  switch (options.workload) {
    case 'burst':
      return Array.from({ length: options.tasks }, () => ({
        executor: BENCH_EXECUTOR,
        payload: { ms: options.taskMs },
        runAt: t0,
      }));
    case 'spread':
      return Array.from({ length: options.tasks }, (_, i) => ({
        executor: BENCH_EXECUTOR,
        payload: { ms: options.taskMs },
        runAt: spreadDueAt(i, options.tasks, options.seconds, t0),
      }));
    default:
      return [];
  }
}

/** How long after their creation the `--later` jobs fall due: after the run. */
export const LATER_MS = 86_400_000;

/** The `--later` jobs: `later` jobs due at `at`, after the run, which stay pending through it. */
export function laterJobs(options: BenchOptions, at: number): JobInput[] {
  return Array.from({ length: options.later }, () => ({
    executor: BENCH_EXECUTOR,
    payload: { ms: options.taskMs },
    runAt: at,
  }));
}

/**
 * The schedules of a workload that fall due, the first at `t0`: `failover`, M one-shots evenly
 * over W seconds; `recurring`, K every-second schedules for W seconds; `cron`, K `* * * * *`
 * schedules for W seconds in whole minutes (`t0` the start of a minute); `stored`, `due`
 * every-second schedules for W seconds (its stored ones come from {@link storedInputs}). None
 * for `burst` and `spread`, whose work is jobs ({@link dueJobs}).
 */
export function dueInputs(options: BenchOptions, t0: number): ScheduleInput[] {
  switch (options.workload) {
    case 'burst':
    case 'spread':
      return [];
    case 'failover':
      return Array.from({ length: options.tasks }, (_, i) => ({
        name: `${options.workload}-${i}`,
        executor: BENCH_EXECUTOR,
        payload: { ms: options.taskMs },
        trigger: { kind: 'once', at: spreadDueAt(i, options.tasks, options.seconds, t0) },
      }));
    case 'recurring':
      return everySecond('recurring', options.schedules, options.seconds, t0, options.taskMs);
    case 'cron':
      return Array.from({ length: options.schedules }, (_, i) => ({
        name: `cron-${i}`,
        executor: BENCH_EXECUTOR,
        payload: { ms: options.taskMs },
        trigger: { kind: 'cron', expr: '* * * * *', tz: 'UTC' },
        startAt: t0,
        endAt: t0 + (cronMinutes(options) - 1) * MINUTE_MS,
      }));
    case 'stored':
      return everySecond('due', options.due, options.seconds, t0, options.taskMs);
  }
}

/** The fire times {@link dueInputs} produces: how many, and the last. */
export function expectedWork(options: BenchOptions, t0: number): ExpectedWork {
  switch (options.workload) {
    case 'burst':
      return { count: options.tasks, lastDueAt: t0 };
    case 'spread':
    case 'failover':
      return { count: options.tasks, lastDueAt: spreadDueAt(options.tasks - 1, options.tasks, options.seconds, t0) };
    case 'recurring':
      return { count: options.schedules * options.seconds, lastDueAt: t0 + (options.seconds - 1) * 1_000 };
    case 'cron':
      return {
        count: options.schedules * cronMinutes(options),
        lastDueAt: t0 + (cronMinutes(options) - 1) * MINUTE_MS,
      };
    case 'stored':
      return { count: options.due * options.seconds, lastDueAt: t0 + (options.seconds - 1) * 1_000 };
  }
}

/** How many schedules {@link dueInputs} or jobs {@link dueJobs} create. */
export function dueScheduleCount(options: BenchOptions): number {
  switch (options.workload) {
    case 'burst':
    case 'spread':
    case 'failover':
      return options.tasks;
    case 'recurring':
    case 'cron':
      return options.schedules;
    case 'stored':
      return options.due;
  }
}
