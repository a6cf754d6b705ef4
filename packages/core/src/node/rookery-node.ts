import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Datastore, RepairedTask } from '../datastore/datastore.js';
import { RookeryError } from '../errors/rookery-error.js';
import type { EventBus } from '../events/event-bus.js';
import type { Executor, ExternalStatus } from '../executor/executor.js';
import type { WorkerPool } from '../executor/worker-pool.js';
import type { Task } from '../model/task.js';
import { systemClock, type Clock } from '../strategies/clock.js';
import { hostLeaseId, uuidV7, type IdStrategy } from '../strategies/ids.js';
import { mathRandom, type RandomStrategy } from '../strategies/random.js';
import { createStrategyRegistry, type StrategyRegistry } from '../strategies/registry.js';
import { systemTimers, type Timer, type Timers } from '../strategies/timers.js';
import { asError } from './attempt.js';
import { DueAlarm } from './due-alarm.js';
import { AttemptRunner } from './attempt-runner.js';
import { CancelWatch, silentAttempts } from './cancel-watch.js';
import { setLongTimeout, type LongTimer } from './long-timer.js';
import { fitAbortGraces, resolveClusterRateLimits, resolveTimings, type NodeOptions, type NodeTimings } from './node-options.js';
import { planPeel } from './peel-plan.js';
import { Repeater } from './repeater.js';
import { pruneOnce, resolveRetention, type RetentionOptions } from './retention.js';
import { ValidationDuty } from './validation-duty.js';
import { noWakeSignals, type WakeSignals } from '../wake/wake-signals.js';
import { TrustAlarm } from './trust-alarm.js';
import { logNodeLife } from '../logging/node-logging.js';
import { SPAN_ATTRIBUTES, recordSpan, taskAttributes } from '../tracing/spans.js';
import { Wakeup } from './wakeup.js';

/** Most expired tasks one repair pass takes back. */
const REPAIR_BATCH = 100;

/** Most repair passes in a row, while each finds something (see the repair duty). */
const MAX_REPAIR_PASSES = 5;

/**
 * One scheduler process. It repeats the five duties of the protocol: peel schedules into
 * tasks, dispatch due tasks to executors, keep (renew) its leases, finish attempts with fenced
 * commits, and repair rows whose lease expired; besides, it validates schedules submitted with
 * a client id whose executor it has. Every node is alike; start as many as you like on one
 * datastore.
 *
 * Every unexpected error goes to the `generalError` event and the node keeps running; a
 * database outage pauses the node, which resumes when the database answers again.
 */
export class RookeryNode {
  /** Node id. */
  readonly id: string;
  /** Lease owner id of this run of the node. */
  readonly leaseOwner: string;
  /** Timing options in force. */
  readonly timings: NodeTimings;
  private readonly datastore: Datastore;
  private readonly events: EventBus;
  private readonly pool: WorkerPool;
  private readonly executors = new Map<string, Executor>();
  private readonly strategies: StrategyRegistry;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly ids: IdStrategy;
  private readonly random: RandomStrategy;
  private readonly attempts: AttemptRunner;
  private readonly cancels: CancelWatch;
  private readonly validations: ValidationDuty;
  private readonly clusterRateLimits: [string, number | null][];
  private readonly retention: RetentionOptions;
  private readonly wakeup: Wakeup;
  private readonly wakeSignals: WakeSignals;
  private unlisten: (() => Promise<void>) | null = null;
  private readonly repeaters: Repeater[] = [];
  private loop: Promise<void> | null = null;
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  private pollIndex = 0;
  private clockOffsetMs = 0;
  /** Monotonic time the loop last began a turn (null before the first). */
  private loopTurnedAt: number | null = null;
  private readonly dueAlarm: DueAlarm;
  /** Monotonic time from which the loop peels again. */
  private peelDueAt = 0;
  /** Database time from which the loop peels for work another process announced. */
  private announcedPeelAt = Infinity;
  private renewSoon: Timer | null = null;
  private readonly trustAlarm: TrustAlarm;
  private starting: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  private readonly stopLogging: () => void;

  /** @param options - how the node is wired and tuned */
  constructor(options: NodeOptions) {
    this.timings = fitAbortGraces(resolveTimings(options), options.executors);
    this.clusterRateLimits = resolveClusterRateLimits(options.clusterRateLimits);
    this.retention = resolveRetention(options.retention);
    this.datastore = options.datastore;
    this.events = options.events;
    this.pool = options.pool;
    for (const e of options.executors) this.executors.set(e.name, e);
    this.strategies = options.strategies ?? createStrategyRegistry();
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
    this.wakeup = new Wakeup(this.timers);
    this.wakeSignals = options.wakeSignals ?? noWakeSignals;
    this.dueAlarm = new DueAlarm(this.timers, () => this.dbNow(), () => this.wakeup.wake());
    this.ids = options.ids ?? uuidV7;
    this.random = options.random ?? mathRandom;
    this.id = options.id ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.leaseOwner = (options.leaseId ?? hostLeaseId)(this.id);
    this.attempts = new AttemptRunner({
      nodeId: this.id,
      leaseOwner: this.leaseOwner,
      datastore: this.datastore,
      events: this.events,
      pool: this.pool,
      strategies: this.strategies,
      random: this.random,
      clock: this.clock,
      timers: this.timers,
      timings: this.timings,
      dbNow: () => this.dbNow(),
      nextPollWait: () => this.nextPollWait(),
      requestRenewal: () => this.requestRenewal(),
      wakeAt: (dueAt) => this.wakeAt(dueAt),
      wake: () => this.wakeup.wake(),
      reportError: (error, source, taskId) => this.reportError(error, source, taskId),
    });
    this.trustAlarm = new TrustAlarm(
      this.timers,
      this.clock,
      () => this.attempts.running.values(),
      () => void this.guard('keep', async () => this.enforceTrust()),
    );
    this.cancels = new CancelWatch({
      datastore: this.datastore,
      leaseOwner: this.leaseOwner,
      clock: this.clock,
      everyMs: Math.min(...this.timings.pollWaitsMs),
      running: () => this.attempts.running.values(),
      cancel: (attempt, reason) => this.attempts.abort(attempt, 'cancel', reason),
    });
    this.validations = new ValidationDuty({
      datastore: this.datastore,
      events: this.events,
      nodeId: this.id,
      leaseOwner: this.leaseOwner,
      executors: this.executors,
      leaseMs: this.timings.leaseMs,
      batch: this.timings.peelBatch,
      reportError: (error, source) => this.reportError(error, source),
      wake: () => this.wakeup.wake(),
    });
    this.stopLogging = options.logger
      ? logNodeLife(this.events, { logger: options.logger, nodeId: this.id, taskEvents: options.logTaskEvents ?? true, runningTask: (id) => this.runningTask(id) })
      : () => undefined;
  }

  /** A client on this node's bus asked to cancel a running task: check at once rather than on the next poll. */
  private readonly onCancelRequested = (task: Task): void => {
    if (this.state === 'running' && this.attempts.running.has(task.id)) void this.guard('cancel', () => this.cancels.check(), task.id);
  };

  /** Attempts running on this node now. */
  get runningCount(): number {
    return this.attempts.running.size;
  }

  /** The task of an attempt running on this node now, by task id (as claimed: its attempt and fence). */
  runningTask(taskId: string): Task | undefined {
    return this.attempts.running.get(taskId)?.task;
  }

  /** True between a successful {@link RookeryNode.start} and the end of {@link RookeryNode.stop}. */
  get isRunning(): boolean {
    return this.state === 'running';
  }

  /**
   * Milliseconds since the loop last began a turn (it turns at least once per poll wait while
   * the node runs), or null before its first turn. A liveness probe reads it: a value far above
   * the poll waits means the loop is stuck.
   */
  get msSinceLoopTurn(): number | null {
    return this.loopTurnedAt === null ? null : this.clock.monotonic() - this.loopTurnedAt;
  }

  /** This node's clock offset from the database clock (node − database, ms), as last measured. */
  get clockOffset(): number {
    return this.clockOffsetMs;
  }

  /** The database clock as this node estimates it. */
  dbNow(): number {
    return this.clock.now() - this.clockOffsetMs;
  }

  /**
   * Registers the node and starts its duties. Idempotent: concurrent and repeated calls share
   * one start. Fails (and leaves the node stopped) only if the node cannot register with the
   * datastore.
   */
  start(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') {
      return Promise.reject(new RookeryError('STOPPED', `node ${this.id} was stopped; create a new node`));
    }
    this.starting ??= this.startOnce();
    return this.starting;
  }

  private async startOnce(): Promise<void> {
    let record;
    try {
      record = await this.datastore.nodeRegister({
        id: this.id,
        host: hostname(),
        pid: process.pid,
        executors: [...this.executors.keys()],
        clockOffsetMs: 0,
      });
      for (const [executor, perSecond] of this.clusterRateLimits) await this.datastore.rateLimitSet({ executor, perSecond, setBy: this.id });
    } catch (error) {
      this.state = 'stopped';
      this.stopLogging();
      throw error;
    }
    if (this.state !== 'new') return; // stopped while registering
    this.state = 'running';
    this.events.emit('nodeJoined', record);
    this.events.on('taskCancelRequested', this.onCancelRequested);
    this.unlisten = this.wakeSignals.listen(
      (dueAt) => {
        // Announced work may need peeling first (a client's new schedule): peel once it is
        // within half the lookahead, as a poll would claim it, and dispatch at the due time.
        const peelAt = dueAt - this.timings.lookaheadMs / 2;
        this.announcedPeelAt = Math.min(this.announcedPeelAt, peelAt);
        this.wakeAt(peelAt);
        this.wakeAt(dueAt);
      },
      (error) => this.reportError(error, 'wake-signals'),
    );
    await this.guard('heartbeat', () => this.heartbeat());
    const t = this.timings;
    this.repeaters.push(
      new Repeater(t.renewEveryMs, () => this.guard('keep', () => this.keep()), this.timers),
      new Repeater(
        Math.max(10, Math.floor(Math.min(t.trustMarginMs / 2, (t.heartbeatTimeoutMs ?? Infinity) / 4))),
        () => this.guard('keep', async () => this.enforceTrust()),
        this.timers,
      ),
      new Repeater(t.repairEveryMs, () => this.guard('repair', () => this.repair()), this.timers),
      new Repeater(t.heartbeatEveryMs, () => this.guard('heartbeat', () => this.heartbeat()), this.timers),
      new Repeater(this.retention.everyMs, () => this.guard('prune', () => this.prune()), this.timers),
      new Repeater(t.validateEveryMs, () => this.guard('validate', () => this.validations.run()), this.timers),
    );
    this.loop = this.runLoop();
  }

  /**
   * Stops gracefully: claims nothing more, lets running attempts finish for up to `graceMs`,
   * then aborts the rest and hands them back to the cluster (pending, due now; at-most-once
   * attempts are abandoned; recorded external executions are handed over, still running, for
   * another node to adopt), takes back the tasks whose lease expired (a last repair pass),
   * waits for the duties under way, and marks the node stopped.
   * Idempotent: concurrent and repeated calls share one stop; safe before start.
   */
  stop(options: { graceMs?: number } = {}): Promise<void> {
    this.stopping ??= this.stopOnce(options.graceMs ?? 10_000);
    return this.stopping;
  }

  private async stopOnce(graceMs: number): Promise<void> {
    if (this.state === 'new') {
      this.state = 'stopped';
      this.stopLogging();
      return;
    }
    // A start under way finishes first; if it failed, its caller was told and the node is stopped.
    await this.starting?.catch(() => undefined);
    if (this.state !== 'running') return;
    this.state = 'stopping';
    this.wakeup.wake();
    this.events.off('taskCancelRequested', this.onCancelRequested);
    await this.guard('wake-signals', async () => this.unlisten?.());
    await this.loop;
    const running = (): Promise<unknown> => Promise.allSettled([...this.attempts.running.values()].map((a) => a.done));
    let grace: LongTimer | undefined;
    await Promise.race([running(), new Promise<void>((resolve) => (grace = setLongTimeout(resolve, graceMs, this.timers)))]);
    grace?.cancel();
    for (const a of this.attempts.running.values()) this.attempts.abort(a, 'stop');
    await running();
    // A hand-back of this node's that reached the database after its lease expired left the
    // task leased: a last repair pass takes it back, so that the last node to stop leaves none.
    await this.guard('repair', () => this.repairExpired());
    await Promise.all(this.repeaters.map((r) => r.stop()));
    this.dueAlarm.clear();
    this.renewSoon?.cancel();
    this.trustAlarm.clear();
    await this.guard('stop', () => this.datastore.nodeStop({ id: this.id }));
    this.state = 'stopped';
    this.events.emit('nodeLeft', this.id);
    this.stopLogging();
  }

  /** `await using node = ...` stops the node at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  private async guard(source: string, work: () => Promise<unknown>, taskId?: string): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.reportError(error, source, taskId);
    }
  }

  private reportError(error: unknown, source: string, taskId?: string): void {
    this.events.emit('generalError', asError(error), { nodeId: this.id, source, ...(taskId ? { taskId } : {}) });
  }

  /**
   * The loop: dispatch what is due, then peel when a peel is due (every poll, at once after a
   * peel that left work behind, and when another process announced work), then sleep until the
   * next poll, a due alarm or an announcement. A wake-up for a task peeled ahead dispatches at
   * once, without a peel query in front of its claim.
   */
  private async runLoop(): Promise<void> {
    while (this.state === 'running') {
      this.loopTurnedAt = this.clock.monotonic();
      let busy = false;
      try {
        busy = (await this.dispatch()) || busy;
      } catch (error) {
        this.reportError(error, 'dispatch');
      }
      if (this.state !== 'running') break;
      if (this.clock.monotonic() >= this.peelDueAt || this.dbNow() >= this.announcedPeelAt) {
        this.announcedPeelAt = Infinity;
        this.peelDueAt = this.clock.monotonic() + Math.min(...this.timings.pollWaitsMs);
        try {
          const behind = await this.peel();
          if (behind) this.peelDueAt = 0;
          busy = behind || busy;
        } catch (error) {
          this.reportError(error, 'peel');
        }
      }
      await this.guard('cancel', () => this.cancels.poll());
      if (!busy && this.state === 'running') await this.wakeup.sleep(this.nextPollWait());
    }
  }

  private nextPollWait(): number {
    const waits = this.timings.pollWaitsMs;
    const wait = waits[this.pollIndex % waits.length] ?? 250;
    this.pollIndex += 1;
    return wait;
  }

  /** Wakes the loop at `dueAt` (database clock), so a task peeled ahead starts on time. */
  private wakeAt(dueAt: number): void {
    this.dueAlarm.add(dueAt);
  }

  // Duty 1: peel.
  private async peel(): Promise<boolean> {
    const t = this.timings;
    const startedAt = this.clock.now();
    // A schedule is claimed once its next fire time is within half the lookahead, and peeled
    // up to the whole lookahead: each peel writes several fire times of a frequent schedule.
    const claimed = await this.datastore.scheduleClaimDue({
      owner: this.leaseOwner,
      limit: t.peelBatch,
      lookaheadMs: Math.floor(t.lookaheadMs / 2),
      leaseMs: t.leaseMs,
    });
    // A schedule still behind after its peel (a backlog cut at MAX_PEEL_BACKLOG) is peeled
    // again at once rather than one poll wait later.
    let behind = false;
    let earliestDue = Infinity;
    if (claimed.length === 0) return false;
    // Which fire times are misfired is judged by the database clock, read once per round.
    const now = await this.datastore.clockNow();
    const peels = [];
    for (const schedule of claimed) {
      try {
        const plan = planPeel(schedule, { now, lookaheadMs: t.lookaheadMs, strategies: this.strategies, ids: this.ids, random: this.random });
        peels.push({ scheduleId: schedule.id, owner: this.leaseOwner, fence: schedule.fence, nodeId: this.id, ...plan });
      } catch (error) {
        // A schedule this node cannot plan (a strategy it lacks) keeps its lease until expiry; the others go on.
        this.reportError(error, 'peel');
      }
    }
    // One transaction writes the whole round.
    const results = await this.datastore.schedulePeelMany({ peels });
    for (const [i, result] of results.entries()) {
      const plan = peels[i];
      if (!result.ok || !plan) continue;
      if (plan.nextFireAt !== null && plan.nextFireAt <= now + t.lookaheadMs / 2) behind = true;
      for (const task of result.created) {
        this.events.emit('taskCreated', task);
        if (task.state === 'pending') {
          this.wakeAt(task.dueAt);
          earliestDue = Math.min(earliestDue, task.dueAt);
        }
      }
    }
    recordSpan('rookery.peel', startedAt, { [SPAN_ATTRIBUTES.nodeId]: this.id, [SPAN_ATTRIBUTES.count]: claimed.length });
    // Other nodes wake for the earliest due time too, so that whichever node is free claims it.
    if (earliestDue < Infinity) this.wakeSignals.announce(earliestDue);
    return behind || claimed.length >= t.peelBatch;
  }

  // Duty 2: dispatch.
  /**
   * Claims no more tasks than there are free slots, per executor too: executors without a
   * limit of their own share one claim; each limited executor is claimed on its own, up to its
   * free slots. Returns true when a claim came back full (more may be due).
   */
  private async dispatch(): Promise<boolean> {
    const names = [...this.executors.keys()];
    const shared = names.filter((name) => this.pool.free(name) >= this.pool.freeTotal());
    const groups = [shared, ...names.filter((name) => !shared.includes(name)).map((name) => [name])];
    let full = false;
    for (const group of groups) {
      const limit = Math.min(this.pool.freeTotal(), ...group.map((name) => this.pool.free(name)));
      if (group.length === 0 || limit <= 0) continue;
      const claimedAt = this.clock.monotonic();
      const claimStartedAt = this.clock.now();
      const { started, settled } = await this.datastore.taskClaimDue({
        owner: this.leaseOwner,
        nodeId: this.id,
        limit,
        leaseMs: this.timings.leaseMs,
        executors: group,
      });
      const [only, ...more] = [...started, ...settled];
      if (only) recordSpan('rookery.claim', claimStartedAt, { [SPAN_ATTRIBUTES.nodeId]: this.id, [SPAN_ATTRIBUTES.count]: more.length + 1, ...(more.length === 0 ? taskAttributes(only) : {}) });
      // Settled instead of started: skipped or missed.
      for (const task of settled) this.events.emit('taskSkipped', task);
      for (const task of started) this.attempts.start(task, this.executors.get(task.executor), claimedAt);
      if (started.length > 0) this.trustAlarm.arm();
      this.pool.claimed?.(limit, started.length);
      full ||= started.length >= limit;
    }
    return full;
  }

  /**
   * Delivers the outcome of an external execution that reports by message. Returns true when
   * an attempt on this node was waiting for it; false otherwise (another node runs it, or it
   * is already settled).
   */
  reportExecution(executionId: string, status: ExternalStatus): boolean {
    return this.attempts.report(executionId, status);
  }

  // Duty 3: keep.
  private requestRenewal(): void {
    if (this.renewSoon) return;
    this.renewSoon = this.timers.setTimeout(() => {
      this.renewSoon = null;
      void this.guard('keep', () => this.keep());
    }, 0);
  }

  private async keep(): Promise<void> {
    const attempts = [...this.attempts.running.values()].filter((a) => !a.leaseLost);
    if (attempts.length === 0) return;
    const sentAt = this.clock.monotonic();
    const result = await this.datastore.taskRenewLeases({
      owner: this.leaseOwner,
      leases: attempts.map((a) => ({ taskId: a.task.id, fence: a.task.fence })),
      leaseMs: this.timings.leaseMs,
    });
    const trustUntil = sentAt + this.timings.leaseMs - this.timings.trustMarginMs;
    for (const id of result.renewed) {
      const a = this.attempts.running.get(id);
      if (a) a.trustUntil = Math.max(a.trustUntil, trustUntil - a.abortGraceMs);
    }
    for (const id of result.lost) {
      const a = this.attempts.running.get(id);
      if (a) this.attempts.lose(a);
    }
    // A cancel request seen on renewal is acted on by the cancel check, which reads its reason.
    if (result.cancelRequested.length > 0) await this.cancels.check();
    for (const report of result.executionReports) this.attempts.deliverStored(report);
    this.trustAlarm.arm();
  }

  /**
   * The local trust window: an attempt whose lease could not be renewed in time is aborted
   * before another node may take it. And the dead-task canceller: an attempt whose executor
   * stopped heart-beating for the heartbeat timeout is aborted, and failed.
   */
  private enforceTrust(): void {
    const now = this.clock.monotonic();
    for (const a of this.attempts.running.values()) {
      if (!a.leaseLost && now > a.trustUntil) this.attempts.loseTrust(a);
    }
    const timeout = this.timings.heartbeatTimeoutMs;
    if (timeout !== null) for (const a of silentAttempts(this.attempts.running.values(), now, timeout)) this.attempts.abort(a, 'heartbeat-timeout');
    this.trustAlarm.arm();
  }

  // Duty 5: repair.
  /** Retention: fails tasks nobody can run, deletes old finished tasks, done schedules and long-gone node records (see {@link pruneOnce}). */
  private async prune(): Promise<void> {
    const pruned = await pruneOnce(this.datastore, this.retention, this.id);
    for (const task of pruned.unresolved) this.events.emit('taskFailed', task, task.error ?? task.reason ?? '');
    if (pruned.tasks > 0 || pruned.nodes > 0 || pruned.schedules > 0) this.events.emit('historyPruned', pruned.tasks, pruned.nodes, pruned.schedules);
  }

  private async repair(): Promise<void> {
    if (this.state !== 'running') return;
    await this.guard('repair', () => this.adopt());
    await this.repairExpired();
  }

  /** Takes back the running tasks whose lease expired (see `Datastore.taskRepairExpired`), in passes while each finds some. */
  private async repairExpired(): Promise<void> {
    this.events.emit('repairStarted', this.id);
    const repaired: RepairedTask[] = [];
    // A pass that repaired something is followed by another at once: its claim skips rows
    // another transaction holds at that instant (another node's repair scanning past them, a
    // commit on its way), and a skipped task would otherwise wait a whole repair interval more
    // (measured on MariaDB: one task of twenty a dead node held, 1-3 s late).
    for (let pass = 0; pass < MAX_REPAIR_PASSES; pass += 1) {
      const found = await this.datastore.taskRepairExpired({ nodeId: this.id, limit: REPAIR_BATCH, maxRepairs: this.timings.maxRepairs });
      repaired.push(...found);
      if (found.length > 0) this.wakeup.wake();
      if (found.length === 0) break;
    }
    this.events.emit('repairFinished', this.id, repaired.map((r) => r.task));
  }

  /**
   * Adopts tasks whose node lost its lease while their external execution went on: under a
   * new lease and fence, this node asks the executor for the execution's outcome (or takes a
   * stored report) instead of starting a second execution.
   */
  private async adopt(): Promise<void> {
    const claimedAt = this.clock.monotonic();
    const adopted = await this.datastore.taskAdoptExpired({
      owner: this.leaseOwner,
      nodeId: this.id,
      executors: [...this.executors.keys()],
      limit: 100,
      leaseMs: this.timings.leaseMs,
    });
    for (const a of adopted) this.attempts.start(a.task, this.executors.get(a.task.executor), claimedAt, { report: a.report });
    if (adopted.length > 0) this.trustAlarm.arm();
  }

  /** Measures the offset from the database clock (midpoint of the round trip), then records it with the heartbeat. */
  private async heartbeat(): Promise<void> {
    const before = this.clock.now();
    const dbNow = await this.datastore.clockNow();
    const after = this.clock.now();
    this.clockOffsetMs = Math.round((before + after) / 2 - dbNow);
    await this.datastore.nodeHeartbeat({ id: this.id, clockOffsetMs: this.clockOffsetMs });
    this.events.emit('clockOffset', this.clockOffsetMs);
  }
}
