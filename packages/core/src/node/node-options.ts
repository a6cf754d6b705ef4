import type { Datastore } from '../datastore/datastore.js';
import { ValidationError } from '../errors/validation-error.js';
import type { EventBus } from '../events/event-bus.js';
import type { Logger } from '../logging/logger.js';
import type { Executor } from '../executor/executor.js';
import type { WorkerPool } from '../executor/worker-pool.js';
import type { Clock } from '../strategies/clock.js';
import type { IdStrategy, LeaseIdStrategy } from '../strategies/ids.js';
import type { RandomStrategy } from '../strategies/random.js';
import type { StrategyRegistry } from '../strategies/registry.js';
import type { RetentionOptions } from './retention.js';
import { DEFAULT_MAX_RESULT_BYTES, MAX_RESULT_BYTES_LIMIT } from './storable-result.js';
import type { Timers } from '../strategies/timers.js';
import type { WakeSignals } from '../wake/wake-signals.js';

/** How a node is wired and tuned. Every timing option trades load on the database for latency. */
export interface NodeOptions {
  /** The shared datastore. */
  datastore: Datastore;
  /** The node's event bus. */
  events: EventBus;
  /**
   * Where the node logs its life (join, stop, clock offset warnings, lost leases, repairs,
   * errors) and each task event, with task id, schedule, attempt, fence and executor on every
   * task record; an executor's `ctx.log` lines go there too. A pino logger fits.
   * @defaultValue none: nothing is logged
   */
  logger?: Logger;
  /** Whether the logger gets a record per task event and task-log line (false: node events, repairs, lost leases and errors only). @defaultValue true */
  logTaskEvents?: boolean;
  /** Executors this node offers; it claims only tasks of these names. */
  executors: Executor[];
  /** Worker slots: global and per-executor concurrency. */
  pool: WorkerPool;
  /** Node id, unique in the cluster. @defaultValue `<host>-<pid>-<random>` */
  id?: string;
  /** Lease length of a claim. Longer leases survive longer stalls; shorter ones recover faster. @defaultValue 10 000 */
  leaseMs?: number;
  /**
   * How often leases are renewed; at most a third of the lease, and at most half of what an
   * executor's abort grace leaves of the trust window (lease − margin − grace).
   * @defaultValue leaseMs / 3
   */
  renewEveryMs?: number;
  /**
   * An attempt whose lease was not renewed by (last renewal + lease − margin) is aborted
   * locally; an attempt of an executor with an abort grace (see `Executor.abortGraceMs`) that
   * much earlier, so that it has stopped by then. @defaultValue leaseMs / 5
   */
  trustMarginMs?: number;
  /**
   * Waits between polls, used in turn so that nodes don't poll in step. With `wakeSignals`, once
   * the node has found no work for two of its longest waits (tasks it peeled itself, claimed at
   * their due times, do not count), the wait is multiplied by the live nodes that share the polls
   * (those offering every executor this node offers, itself included, at most 10), so that an
   * idle cluster polls about as often as one node. Without `wakeSignals` a node peels every
   * shortest wait; with them, every quarter of `lookaheadMs` if that is longer.
   * @defaultValue [200, 300, 250, 350]
   */
  pollWaitsMs?: number[];
  /**
   * Fire times this far ahead are peeled into tasks early; a schedule is peeled again once its
   * next fire time is within half of it. With `wakeSignals`, a node peels every quarter of it
   * (at least every shortest poll wait), besides at once for an announced schedule and after
   * it released a schedule's gate. Longer means fewer peels of frequent schedules; a task
   * peeled early still starts at its due time (the node sets a timer). @defaultValue 5 000
   */
  lookaheadMs?: number;
  /** Schedules claimed per peel. @defaultValue 50 */
  peelBatch?: number;
  /**
   * Lease a peel takes on the schedules it claims. It only has to cover claim, planning and
   * the peel write (milliseconds), so it is short and independent of `leaseMs`: the schedules
   * of a node that dies between its claim and its peel write are free again this long after the
   * claim, and their fire times start on another node within about this plus one peel interval
   * (a poll wait; with `wakeSignals`, a quarter of `lookaheadMs`).
   * A peel that outlasts it (a loaded machine) still commits unless another node claimed the
   * schedule meanwhile: the peel write is conditioned on the claim's owner and fence, not on
   * the lease's expiry. Shorter frees a dead node's schedules sooner; too short makes nodes
   * claim schedules whose peel is still under way, which wastes that peel (never a fire time).
   * From 50 to `leaseMs`. @defaultValue 500
   */
  peelLeaseMs?: number;
  /**
   * After a claim round that took every task due, how long the node's next claim waits when
   * all that calls for it is an attempt ending (a worker slot came free, its commit waits for a
   * claim to carry it): the commits of the attempts ending meanwhile go with that one claim,
   * and a stream of short tasks costs a claim every `claimPaceMs` rather than one per task. A
   * due time the node knows of (its own peels, announcements, retries) keeps the same pace, so
   * that tasks due closer together share a claim and none starts more than this late for it; a
   * repair and a claim that came back full still claim at once. 0 claims after every attempt
   * and at every known due time.
   * From 0 to 1000. @defaultValue 10
   */
  claimPaceMs?: number;
  /**
   * Hints between processes that work falls due: the node announces the due times of the
   * tasks it peels and wakes at the due times others announce. Polling goes on regardless,
   * shared out among the live nodes (see `pollWaitsMs`).
   * @defaultValue none (polling only)
   */
  wakeSignals?: WakeSignals;
  /**
   * Repair rounds (expired leases taken back, external executions adopted): each reads when the
   * earliest lease of a running task expires and the next round runs just after it, at most one
   * lease later (or this long, if longer), so a cluster with nothing running repairs once a
   * lease. The rounds come at most this far apart while a lease has expired and is still there
   * (another node taking it back at that instant, a row skipped), and while a task with an
   * external execution runs (its holder may hand it over at any time).
   * @defaultValue the smaller of 1 000 and leaseMs / 2
   */
  repairEveryMs?: number;
  /** How often the node heartbeats and measures its clock offset. @defaultValue 5 000 */
  heartbeatEveryMs?: number;
  /**
   * How often the node looks for schedules pending validation (submitted with a client id)
   * whose executor it has. Shorter activates submissions sooner, at one claim query per round.
   * With wake signals, a client announces a schedule it submits for validation, so a node
   * validates it at once, and the live nodes share these polls out (each polls every
   * `validateEveryMs` × the live nodes, as with `pollWaitsMs`).
   * @defaultValue 1 000
   */
  validateEveryMs?: number;
  /**
   * A task whose attempts were lost with their node this many times is failed rather than run
   * again (a task that crashes every node it runs on). @defaultValue 5
   */
  maxRepairs?: number;
  /**
   * Largest result an attempt may store, in UTF-8 bytes of its JSON serialization, from 1 to
   * 8 MiB. Every result is checked when its attempt ends: one that is not plain JSON (a bigint,
   * a cycle, a Date, NUL...) or is larger than this fails its task for good, with an error that
   * says so, and never holds up the other outcomes committed with it. Results are stored in
   * the task row and committed in batches: keep them small (a summary, or a reference to where
   * the bulk is kept). On MySQL/MariaDB a batch must also fit `max_allowed_packet`.
   * @defaultValue 262 144 (256 KiB)
   */
  maxResultBytes?: number;
  /**
   * The dead-task canceller, part of the keep duty: an attempt whose executor has called
   * `ctx.heartbeat()` at least once and then stays silent this long is presumed dead, aborted
   * (its signal's reason has code `HEARTBEAT_TIMEOUT`) and failed, retryable under the
   * schedule's retry policy. Executors that never heartbeat are left to `timeoutMs`. Null
   * turns it off. @defaultValue null
   */
  heartbeatTimeoutMs?: number | null;
  /**
   * Cluster-wide rate limits (task starts per second, by executor; null removes one) that this
   * node writes to the datastore when it starts. They are stored, so they hold for every node,
   * whatever its own options: the last node to start with a value for an executor wins, and a
   * node started without one leaves the stored limit alone. Counted in one-second windows of
   * the database clock inside the claim. For a limit per node, see the worker pool's
   * `rateLimits`. @defaultValue {}
   */
  clusterRateLimits?: Record<string, number | null>;
  /**
   * Retention, carried out by the nodes themselves: finished tasks (with their events and
   * logs) and the records of long-gone nodes are deleted after these times; null keeps them.
   * @defaultValue history 30 days, node records 7 days, a pass every 10 minutes
   */
  retention?: Partial<RetentionOptions>;
  /** Named strategies. @defaultValue the built-ins */
  strategies?: StrategyRegistry;
  /** Clock. @defaultValue the system clock */
  clock?: Clock;
  /**
   * Timers of every duty, wait and timeout of the node. A simulation injects its own to step
   * nodes deterministically. @defaultValue Node's `setTimeout`
   */
  timers?: Timers;
  /** Primary keys. @defaultValue UUID v7 */
  ids?: IdStrategy;
  /** Lease owner ids. @defaultValue UUID v5 of host, pid and node */
  leaseId?: LeaseIdStrategy;
  /** Randomness for jitter: retry delays, and the backoff between tries of a commit. @defaultValue Math.random */
  random?: RandomStrategy;
}

/** Timing options and limits, with defaults filled in. */
export interface NodeTimings {
  /** See {@link NodeOptions.leaseMs}. */
  leaseMs: number;
  /** See {@link NodeOptions.renewEveryMs}. */
  renewEveryMs: number;
  /** See {@link NodeOptions.trustMarginMs}. */
  trustMarginMs: number;
  /** See {@link NodeOptions.pollWaitsMs}. */
  pollWaitsMs: number[];
  /** See {@link NodeOptions.lookaheadMs}. */
  lookaheadMs: number;
  /** See {@link NodeOptions.peelBatch}. */
  peelBatch: number;
  /** See {@link NodeOptions.peelLeaseMs}. */
  peelLeaseMs: number;
  /** See {@link NodeOptions.claimPaceMs}. */
  claimPaceMs: number;
  /** See {@link NodeOptions.repairEveryMs}. */
  repairEveryMs: number;
  /** See {@link NodeOptions.heartbeatEveryMs}. */
  heartbeatEveryMs: number;
  /** See {@link NodeOptions.validateEveryMs}. */
  validateEveryMs: number;
  /** See {@link NodeOptions.maxRepairs}. */
  maxRepairs: number;
  /** See {@link NodeOptions.heartbeatTimeoutMs}. */
  heartbeatTimeoutMs: number | null;
  /** See {@link NodeOptions.maxResultBytes}. */
  maxResultBytes: number;
}

/** Default {@link NodeOptions.claimPaceMs}. */
const DEFAULT_CLAIM_PACE_MS = 10;

/** Default {@link NodeOptions.peelLeaseMs}: a dead node's claimed schedules are free again half a second after its claim. */
const DEFAULT_PEEL_LEASE_MS = 500;

/** Shortest {@link NodeOptions.peelLeaseMs}: shorter, nodes would keep claiming schedules whose peel is still under way. */
const MIN_PEEL_LEASE_MS = 50;

function positiveInt(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(field, `must be a whole number from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/** Fills in and checks the timing options; throws a ValidationError naming the option. */
export function resolveTimings(options: Partial<NodeTimings>): NodeTimings {
  const leaseMs = positiveInt('leaseMs', options.leaseMs ?? 10_000, 500, 3_600_000);
  const renewEveryMs = positiveInt(
    'renewEveryMs',
    options.renewEveryMs ?? Math.floor(leaseMs / 3),
    50,
    Math.floor(leaseMs / 3),
  );
  const trustMarginMs = positiveInt(
    'trustMarginMs',
    options.trustMarginMs ?? Math.floor(leaseMs / 5),
    1,
    leaseMs - renewEveryMs - 1,
  );
  const pollWaitsMs = options.pollWaitsMs ?? [200, 300, 250, 350];
  if (pollWaitsMs.length === 0) throw new ValidationError('pollWaitsMs', 'needs at least one wait');
  pollWaitsMs.forEach((w, i) => positiveInt(`pollWaitsMs.${i}`, w, 1, 600_000));
  return {
    leaseMs,
    renewEveryMs,
    trustMarginMs,
    pollWaitsMs,
    lookaheadMs: positiveInt('lookaheadMs', options.lookaheadMs ?? 5_000, 0, 3_600_000),
    peelBatch: positiveInt('peelBatch', options.peelBatch ?? 50, 1, 10_000),
    peelLeaseMs: positiveInt('peelLeaseMs', options.peelLeaseMs ?? DEFAULT_PEEL_LEASE_MS, MIN_PEEL_LEASE_MS, leaseMs),
    claimPaceMs: positiveInt('claimPaceMs', options.claimPaceMs ?? DEFAULT_CLAIM_PACE_MS, 0, 1_000),
    repairEveryMs: positiveInt(
      'repairEveryMs',
      options.repairEveryMs ?? Math.min(1_000, Math.floor(leaseMs / 2)),
      10,
      3_600_000,
    ),
    heartbeatEveryMs: positiveInt('heartbeatEveryMs', options.heartbeatEveryMs ?? 5_000, 10, 3_600_000),
    validateEveryMs: positiveInt('validateEveryMs', options.validateEveryMs ?? 1_000, 10, 3_600_000),
    maxRepairs: positiveInt('maxRepairs', options.maxRepairs ?? 5, 1, 1_000),
    maxResultBytes: positiveInt(
      'maxResultBytes',
      options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES,
      1,
      MAX_RESULT_BYTES_LIMIT,
    ),
    heartbeatTimeoutMs:
      options.heartbeatTimeoutMs === undefined || options.heartbeatTimeoutMs === null
        ? null
        : positiveInt('heartbeatTimeoutMs', options.heartbeatTimeoutMs, 10, 30 * 86_400_000),
  };
}

/**
 * Least part of the trust window (lease − trust margin) an executor's abort grace must leave,
 * so that renewals every half of it still fit.
 */
export const MIN_TRUST_WINDOW_MS = 100;

/**
 * The largest {@link Executor.abortGraceMs} a node with these timings accepts: lease − trust
 * margin − {@link MIN_TRUST_WINDOW_MS}.
 */
export function maxAbortGraceMs(timings: Pick<NodeTimings, 'leaseMs' | 'trustMarginMs'>): number {
  return timings.leaseMs - timings.trustMarginMs - MIN_TRUST_WINDOW_MS;
}

/**
 * Fits the executors' abort graces into the trust window: an attempt of an executor that
 * settles after abort is aborted its `abortGraceMs` before the window ends, so leases are
 * renewed at least every half of what is left of the window (lease − margin − the largest
 * grace), so that a renewal is not missed between two.
 *
 * @returns the timings, with `renewEveryMs` shortened where needed
 * @throws ValidationError naming `executors.<name>.abortGraceMs` when a grace is not a whole
 * number from 0 to {@link maxAbortGraceMs}
 */
export function fitAbortGraces(timings: NodeTimings, executors: readonly Executor[]): NodeTimings {
  let largest = 0;
  const max = maxAbortGraceMs(timings);
  for (const e of executors) {
    if (!e.settlesAfterAbort || e.abortGraceMs === undefined) continue;
    if (!Number.isInteger(e.abortGraceMs) || e.abortGraceMs < 0 || e.abortGraceMs > max) {
      throw new ValidationError(
        `executors.${e.name}.abortGraceMs`,
        `must be a whole number from 0 to ${max} (leaseMs ${timings.leaseMs} − trustMarginMs ${timings.trustMarginMs} − ${MIN_TRUST_WINDOW_MS}), got ${String(e.abortGraceMs)}: shorten the executor's grace or lengthen the lease`,
      );
    }
    largest = Math.max(largest, e.abortGraceMs);
  }
  if (largest === 0) return timings;
  const window = timings.leaseMs - timings.trustMarginMs - largest;
  return { ...timings, renewEveryMs: Math.min(timings.renewEveryMs, Math.floor(window / 2)) };
}

/** The abort grace the node allows for an executor's attempts: its `abortGraceMs` if it settles after abort, else 0. */
export function abortGraceOf(executor: Executor | undefined): number {
  return executor?.settlesAfterAbort ? (executor.abortGraceMs ?? 0) : 0;
}

/** Checks the cluster-wide rate limits; throws a ValidationError naming `clusterRateLimits.<executor>`. */
export function resolveClusterRateLimits(limits: Record<string, number | null> = {}): [string, number | null][] {
  return Object.entries(limits).map(([executor, perSecond]) => [
    executor,
    perSecond === null ? null : positiveInt(`clusterRateLimits.${executor}`, perSecond, 1, 1_000_000),
  ]);
}
