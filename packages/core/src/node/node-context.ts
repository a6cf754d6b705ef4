import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Datastore } from '../datastore/datastore.js';
import type { EventBus } from '../events/event-bus.js';
import type { Executor } from '../executor/executor.js';
import type { WorkerPool } from '../executor/worker-pool.js';
import { systemClock, type Clock } from '../strategies/clock.js';
import { hostLeaseId, uuidV7, type IdStrategy } from '../strategies/ids.js';
import { mathRandom, type RandomStrategy } from '../strategies/random.js';
import { createStrategyRegistry, type StrategyRegistry } from '../strategies/registry.js';
import { systemTimers, type Timers } from '../strategies/timers.js';
import { noWakeSignals, type WakeSignals } from '../wake/wake-signals.js';
import { asError } from './attempt.js';
import { DueAlarm } from './due-alarm.js';
import { ExternalWaits } from './external-waits.js';
import type { NodeOptions, NodeTimings } from './node-options.js';
import { RunningAttempts } from './running-attempts.js';
import { Wakeup } from './wakeup.js';

/** How long a node remembers the due times of its own whose alarm rang (see `NodeContext.isOwnDueTime`). */
export const OWN_DUE_MEMORY_MS = 10_000;

/**
 * What every duty of a node shares: who the node is, the parts it was wired with (datastore,
 * bus, worker pool, executors, strategies, clock, timers, ids, randomness), the attempts it
 * runs, and the node-wide services: the guard that runs a duty and reports its errors, the
 * loop's wake-ups, the database time as the node estimates it, and the poll waits.
 */
export class NodeContext {
  /** Node id. */
  readonly id: string;
  /** Lease owner id of this run of the node. */
  readonly leaseOwner: string;
  /** Timing options in force. */
  readonly timings: NodeTimings;
  /** The shared datastore. */
  readonly datastore: Datastore;
  /** The node's events. */
  readonly events: EventBus;
  /** Worker slots. */
  readonly pool: WorkerPool;
  /** The node's executors, by name. */
  readonly executors: ReadonlyMap<string, Executor>;
  /** Retry, misfire and delivery strategies. */
  readonly strategies: StrategyRegistry;
  /** Wall and monotonic time (trust windows are monotonic). */
  readonly clock: Clock;
  /** Where every wait of the node is timed. */
  readonly timers: Timers;
  /** Row ids. */
  readonly ids: IdStrategy;
  /** Jitter of retries and backoffs. */
  readonly random: RandomStrategy;
  /** Announcements of work between the processes of the cluster. */
  readonly wakeSignals: WakeSignals;
  /** Attempts running on this node, by task id. */
  readonly attempts: RunningAttempts;
  /** The external executions the node's attempts wait for. */
  readonly externalWaits: ExternalWaits;
  private readonly wakeup: Wakeup;
  /** Due times of tasks this node wrote (its peels, its retries and hand-backs). */
  private readonly dueAlarm: DueAlarm;
  /** Due times other processes announced. */
  private readonly heardAlarm: DueAlarm;
  private clockOffsetMs = 0;
  private pollIndex = 0;
  /** A peel was asked for (see {@link NodeContext.peelSoon}) and the loop has not taken it yet. */
  private peelAsked = false;
  /** Due times of the node's own whose alarm rang within the last {@link OWN_DUE_MEMORY_MS}, oldest first. */
  private readonly ownDueCome = new Set<number>();
  /** The alarm of the node's own due times rang since the loop last asked (see {@link NodeContext.takeOwnAlarmRang}). */
  private ownAlarmRang = false;
  /**
   * How many live nodes share this node's polls of the database (see `pollShareOf`), measured
   * with each heartbeat; 1 without wake signals, where a node's polls are how it finds the work
   * others write, and until the first heartbeat.
   */
  pollShare = 1;
  /**
   * The node has wake signals: work others write is announced to it, so its polls are a safety
   * net that the live nodes share out (see {@link NodeContext.pollShare}).
   */
  readonly sharesPolls: boolean;

  /**
   * @param options - how the node is wired
   * @param timings - the timings resolved from `options` (see `resolveTimings`, `fitAbortGraces`)
   */
  constructor(options: NodeOptions, timings: NodeTimings) {
    this.timings = timings;
    this.datastore = options.datastore;
    this.events = options.events;
    this.pool = options.pool;
    this.executors = new Map(options.executors.map((e) => [e.name, e]));
    this.strategies = options.strategies ?? createStrategyRegistry();
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
    this.wakeup = new Wakeup(this.timers, () => this.clock.monotonic());
    this.wakeSignals = options.wakeSignals ?? noWakeSignals;
    this.sharesPolls = options.wakeSignals !== undefined;
    this.dueAlarm = new DueAlarm(
      this.timers,
      () => this.dbNow(),
      (came) => {
        const forgetBefore = this.dbNow() - OWN_DUE_MEMORY_MS;
        for (const at of this.ownDueCome) {
          if (at >= forgetBefore) break;
          this.ownDueCome.delete(at);
        }
        for (const at of came) this.ownDueCome.add(at);
        this.ownAlarmRang = true;
        this.nudge();
      },
    );
    this.heardAlarm = new DueAlarm(
      this.timers,
      () => this.dbNow(),
      () => this.nudge(),
    );
    this.ids = options.ids ?? uuidV7;
    this.random = options.random ?? mathRandom;
    this.id = options.id ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.leaseOwner = (options.leaseId ?? hostLeaseId)(this.id);
    this.attempts = new RunningAttempts(this.events, timings.heartbeatTimeoutMs);
    this.externalWaits = new ExternalWaits(this.timers);
  }

  /** This node's clock offset from the database clock (node − database, ms), as last measured. */
  get clockOffset(): number {
    return this.clockOffsetMs;
  }

  /** Records a new measure of the offset from the database clock (see {@link NodeContext.clockOffset}). */
  set clockOffset(offsetMs: number) {
    this.clockOffsetMs = offsetMs;
  }

  /** The database clock as this node estimates it. */
  dbNow(): number {
    return this.clock.now() - this.clockOffsetMs;
  }

  /** Runs `work`; an error it throws goes to `generalError` with `source` (and `taskId`), never further. */
  async guard(source: string, work: () => Promise<unknown>, taskId?: string): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.reportError(error, source, taskId);
    }
  }

  /** Reports an unexpected error as `generalError`, saying which duty (`source`) and task it concerns. */
  reportError(error: unknown, source: string, taskId?: string): void {
    this.events.emit('generalError', asError(error), { nodeId: this.id, source, ...(taskId ? { taskId } : {}) });
  }

  /** Wakes the node's loop now (work came in, or a worker slot is free). */
  wake(): void {
    this.wakeup.wake();
  }

  /**
   * Wakes the loop at `dueAt` (database clock), the due time of a task this node wrote (peeled
   * ahead, retried, handed back), so that it starts on time: a nudge, so that due times closer
   * together than the claim pace share one claim.
   */
  wakeAt(dueAt: number): void {
    this.dueAlarm.add(dueAt);
  }

  /** Wakes the loop at `dueAt` (database clock), a due time another process announced, as {@link NodeContext.wakeAt} does. */
  wakeAtAnnounced(dueAt: number): void {
    this.heardAlarm.add(dueAt);
  }

  /**
   * Wakes the node's loop no sooner than its sleep's pace allows: a worker slot came free, or
   * commits wait for a claim to carry them (see {@link Wakeup.nudge}).
   */
  nudge(): void {
    this.wakeup.nudge();
  }

  /** Sleeps `ms`, or less if the loop is woken meanwhile (or nudged, from `paceFrom` on, monotonic). */
  sleep(ms: number, paceFrom = 0): Promise<void> {
    return this.wakeup.sleep(ms, paceFrom);
  }

  /** Forgets the due times the loop was to wake at (the node is stopping). */
  clearDueAlarm(): void {
    this.dueAlarm.clear();
    this.heardAlarm.clear();
    this.ownDueCome.clear();
    this.ownAlarmRang = false;
  }

  /**
   * Asks the loop to peel on its next turn, and wakes it if it sleeps (a turn under way peels,
   * or does not sleep, see {@link NodeContext.peelPending}): this node released a schedule's gate
   * (started or ended the task its schedule waits for), and the schedule's next fire time may
   * be due before the next periodic peel (an `after-run` schedule's delay, say).
   */
  peelSoon(): void {
    this.peelAsked = true;
    if (this.wakeup.sleeping) this.wake();
  }

  /** A peel was asked for and the loop has not taken it yet: the loop turns again rather than sleep. */
  get peelPending(): boolean {
    return this.peelAsked;
  }

  /** True when a peel was asked for since the last call (see {@link NodeContext.peelSoon}): the loop takes the request. */
  takePeelRequest(): boolean {
    const asked = this.peelAsked;
    this.peelAsked = false;
    return asked;
  }

  /**
   * How long after a peel the loop peels again when nothing calls for a peel sooner (work left
   * behind, an announced schedule, a gate this node released): the shortest poll wait, or with
   * wake signals a quarter of the lookahead if that is longer. A schedule is claimed once its
   * next fire time is within half the lookahead, so its fire times are still written a quarter
   * of the lookahead ahead; a new or changed schedule is announced, and wakes a peel at once.
   */
  peelEveryMs(): number {
    const shortestWait = Math.min(...this.timings.pollWaitsMs);
    return this.sharesPolls ? Math.max(shortestWait, Math.floor(this.timings.lookaheadMs / 4)) : shortestWait;
  }

  /**
   * True when `dueAt` is the due time of a task this node wrote itself (see
   * {@link NodeContext.wakeAt}): its alarm is set for it, or rang for it within the last
   * {@link OWN_DUE_MEMORY_MS}. A task claimed at such a time is work the node peeled (or retried),
   * not work a poll found.
   */
  isOwnDueTime(dueAt: number): boolean {
    const at = Math.ceil(dueAt);
    return this.ownDueCome.has(at) || this.dueAlarm.has(at);
  }

  /**
   * True when the alarm of the node's own due times (see {@link NodeContext.wakeAt}) rang since
   * the last call: the loop's turn is for tasks it peeled (or retried) itself.
   */
  takeOwnAlarmRang(): boolean {
    const rang = this.ownAlarmRang;
    this.ownAlarmRang = false;
    return rang;
  }

  /** The next poll wait: the configured waits in turn (external executions are polled on them too). */
  nextPollWait(): number {
    const waits = this.timings.pollWaitsMs;
    const wait = waits[this.pollIndex % waits.length] ?? 250;
    this.pollIndex += 1;
    return wait;
  }

  /**
   * The loop's next wait between polls of the database: {@link NodeContext.nextPollWait}, times
   * the nodes that share this node's polls ({@link NodeContext.pollShare}) once the node has
   * found no work for two of its longest poll waits. A node that found work more recently polls
   * at its own pace: more may fall due that nobody announced (the later jobs of one
   * `enqueueMany`, whose announcement carries only the earliest due time). A round the node's own
   * alarm set off that found only tasks it wrote itself does not count (see `DispatchDuty.foundWorkAt`).
   *
   * @param foundWorkAt - when (monotonic) the loop last found work
   */
  nextLoopPollWait(foundWorkAt: number): number {
    const wait = this.nextPollWait();
    const idleFor = this.clock.monotonic() - foundWorkAt;
    return idleFor >= 2 * Math.max(...this.timings.pollWaitsMs) ? wait * this.pollShare : wait;
  }
}
