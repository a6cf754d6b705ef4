import { hostname } from 'node:os';
import { RookeryError } from '../errors/rookery-error.js';
import type { ExternalStatus } from '../executor/executor.js';
import { logNodeLife } from '../logging/node-logging.js';
import type { Task } from '../model/task.js';
import { AttemptRunner } from './attempt-runner.js';
import { CancelWatch } from './duties/cancel-watch.js';
import { DispatchDuty } from './duties/dispatch.js';
import { FinishDuty } from './duties/finish.js';
import { KeepDuty } from './duties/keep.js';
import { PeelDuty } from './duties/peel.js';
import { RepairDuty } from './duties/repair.js';
import { ValidateDuty } from './duties/validate.js';
import { FinishBatcher } from './finish-batcher.js';
import { setLongTimeout, type LongTimer } from './long-timer.js';
import { NodeContext } from './node-context.js';
import {
  fitAbortGraces,
  resolveClusterRateLimits,
  resolveTimings,
  type NodeOptions,
  type NodeTimings,
} from './node-options.js';
import { pollShareOf } from './poll-share.js';
import { Repeater } from './repeater.js';
import { resolveRetention, type RetentionOptions } from './retention.js';

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
  private readonly ctx: NodeContext;
  private readonly peel: PeelDuty;
  private readonly dispatch: DispatchDuty;
  private readonly finishes: FinishBatcher;
  private readonly keep: KeepDuty;
  private readonly repair: RepairDuty;
  private readonly validate: ValidateDuty;
  private readonly cancels: CancelWatch;
  private readonly clusterRateLimits: [string, number | null][];
  private readonly retention: RetentionOptions;
  private unlisten: (() => Promise<void>) | null = null;
  private readonly repeaters: Repeater[] = [];
  /** The validation poll, nudged by an announced schedule (one pending validation, maybe). */
  private validation: Repeater | undefined;
  private loop: Promise<void> | null = null;
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  /** Monotonic time the loop last began a turn (null before the first). */
  private loopTurnedAt: number | null = null;
  /** Monotonic time from which the loop peels again. */
  private peelDueAt = 0;
  /** Database time from which the loop peels for work another process announced. */
  private announcedPeelAt = Infinity;
  /**
   * Monotonic time at which the loop peels once more after a peel for an announcement: if
   * another node claimed the announced schedule and died before its write, its peel lease has
   * ended by then, and this node need not wait for a poll its peers share.
   */
  private peelRecheckAt = Infinity;
  private starting: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  private readonly stopLogging: () => void;

  /** @param options - how the node is wired and tuned */
  constructor(options: NodeOptions) {
    this.timings = fitAbortGraces(resolveTimings(options), options.executors);
    this.clusterRateLimits = resolveClusterRateLimits(options.clusterRateLimits);
    this.retention = resolveRetention(options.retention);
    const ctx = new NodeContext(options, this.timings);
    this.ctx = ctx;
    this.id = ctx.id;
    this.leaseOwner = ctx.leaseOwner;
    this.cancels = new CancelWatch(ctx);
    this.keep = new KeepDuty(ctx, this.cancels);
    // On a store that commits and claims in one call, commits wait for the loop's next claim
    // (woken for it) to carry them while the node runs.
    this.finishes = new FinishBatcher(
      ctx.datastore,
      ctx.timers,
      () => {
        if (this.state !== 'running' || !ctx.datastore.taskFinishAndClaim) return false;
        ctx.nudge();
        return true;
      },
      this.timings.claimPaceMs,
    );
    // An attempt over frees its worker slot: a claim follows if the last round was held back
    // by free slots, or if the task may have held a run slot that a later task of its schedule
    // waits for (duplicate policies other than `run`). Work falling due otherwise is on an
    // alarm, announced or polled for.
    const runner = new AttemptRunner(ctx, new FinishDuty(ctx, this.finishes), this.keep, (task) => {
      if (this.dispatch.slotsWanted || task.policies.duplicate !== 'run') ctx.nudge();
    });
    this.peel = new PeelDuty(ctx);
    this.dispatch = new DispatchDuty(ctx, runner, this.keep, this.finishes);
    this.repair = new RepairDuty(ctx, runner, this.keep, this.retention);
    this.validate = new ValidateDuty(ctx);
    this.stopLogging = options.logger
      ? logNodeLife(ctx.events, {
          logger: options.logger,
          nodeId: this.id,
          taskEvents: options.logTaskEvents ?? true,
          runningTask: (id) => this.runningTask(id),
        })
      : () => undefined;
  }

  /** A client on this node's bus asked to cancel a running task: check at once rather than on the next poll. */
  private readonly onCancelRequested = (task: Task): void => {
    if (this.state === 'running' && this.ctx.attempts.has(task.id))
      void this.ctx.guard('cancel', () => this.cancels.check(), task.id);
  };

  /** Attempts running on this node now. */
  get runningCount(): number {
    return this.ctx.attempts.size;
  }

  /** The task of an attempt running on this node now, by task id (as claimed: its attempt and fence). */
  runningTask(taskId: string): Task | undefined {
    return this.ctx.attempts.get(taskId)?.task;
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
    return this.loopTurnedAt === null ? null : this.ctx.clock.monotonic() - this.loopTurnedAt;
  }

  /** This node's clock offset from the database clock (node − database, ms), as last measured. */
  get clockOffset(): number {
    return this.ctx.clockOffset;
  }

  /** The database clock as this node estimates it. */
  dbNow(): number {
    return this.ctx.dbNow();
  }

  /**
   * Delivers the outcome of an external execution that reports by message. Returns true when
   * an attempt on this node was waiting for it; false otherwise (another node runs it, or it
   * is already settled).
   */
  reportExecution(executionId: string, status: ExternalStatus): boolean {
    return this.ctx.externalWaits.report(executionId, status);
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
    const { ctx } = this;
    let record;
    try {
      const before = ctx.clock.now();
      record = await ctx.datastore.nodeRegister({
        id: this.id,
        host: hostname(),
        pid: process.pid,
        executors: [...ctx.executors.keys()],
        clockOffsetMs: 0,
      });
      // A first measure of the clock offset, from the database instant the registration recorded:
      // the first heartbeat records it.
      ctx.clockOffset = Math.round((before + ctx.clock.now()) / 2 - record.heartbeatAt);
      for (const [executor, perSecond] of this.clusterRateLimits)
        await ctx.datastore.rateLimitSet({ executor, perSecond, setBy: this.id });
    } catch (error) {
      this.state = 'stopped';
      this.stopLogging();
      throw error;
    }
    if (this.state !== 'new') return; // stopped while registering
    this.state = 'running';
    ctx.events.emit('nodeJoined', record);
    ctx.events.on('taskCancelRequested', this.onCancelRequested);
    this.unlisten = ctx.wakeSignals.listen(
      (dueAt, kind) => {
        // A schedule's fire time (a client's new schedule) needs peeling first: peel once it is
        // within half the lookahead, as a poll would claim it. Tasks (another node's peel, a
        // job) exist already: only dispatch, at the due time.
        if (kind !== 'tasks') {
          const peelAt = dueAt - this.timings.lookaheadMs / 2;
          this.announcedPeelAt = Math.min(this.announcedPeelAt, peelAt);
          ctx.wakeAtAnnounced(peelAt);
          // It may be a schedule submitted for validation, announced at once.
          this.validation?.nudge();
        }
        ctx.wakeAtAnnounced(dueAt);
      },
      (error) => ctx.reportError(error, 'wake-signals'),
    );
    await ctx.guard('heartbeat', () => this.heartbeat());
    const t = this.timings;
    const every = (ms: number | (() => number), source: string, duty: () => Promise<unknown>): Repeater =>
      new Repeater(ms, () => ctx.guard(source, duty), ctx.timers);
    this.repeaters.push(
      every(t.renewEveryMs, 'keep', () => this.keep.renew()),
      every(
        Math.max(10, Math.floor(Math.min(t.trustMarginMs / 2, (t.heartbeatTimeoutMs ?? Infinity) / 4))),
        'keep',
        async () => this.keep.enforceTrust(),
      ),
      every(
        () => this.repair.waitMs(),
        'repair',
        async () => {
          if (this.state === 'running') await this.repair.run();
        },
      ),
      every(t.heartbeatEveryMs, 'heartbeat', () => this.heartbeat()),
      every(this.retention.everyMs, 'prune', () => this.repair.prune()),
    );
    // Validation polls are shared out among the nodes as the loop's idle polls are: a schedule
    // submitted for validation is announced, and wakes a node at once.
    this.validation = every(
      () => t.validateEveryMs * ctx.pollShare,
      'validate',
      () => this.validate.run(),
    );
    this.repeaters.push(this.validation);
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
    const { ctx } = this;
    if (this.state === 'new') {
      this.state = 'stopped';
      this.stopLogging();
      return;
    }
    // A start under way finishes first; if it failed, its caller was told and the node is stopped.
    await this.starting?.catch(() => undefined);
    if (this.state !== 'running') return;
    this.state = 'stopping';
    ctx.wake();
    ctx.events.off('taskCancelRequested', this.onCancelRequested);
    await ctx.guard('wake-signals', async () => this.unlisten?.());
    await this.loop;
    // The loop claims no more: commits waiting for a claim to carry them go now.
    this.finishes.release();
    const running = (): Promise<unknown> => Promise.allSettled([...ctx.attempts.values()].map((a) => a.done));
    let grace: LongTimer | undefined;
    await Promise.race([
      running(),
      new Promise<void>((resolve) => (grace = setLongTimeout(resolve, graceMs, ctx.timers))),
    ]);
    grace?.cancel();
    for (const a of ctx.attempts.values()) ctx.attempts.abort(a, 'stop');
    await running();
    // A hand-back of this node's that reached the database after its lease expired left the
    // task leased: a last repair pass takes it back, so that the last node to stop leaves none.
    await ctx.guard('repair', () => this.repair.repairExpired());
    await Promise.all(this.repeaters.map((r) => r.stop()));
    ctx.clearDueAlarm();
    this.keep.stop();
    await ctx.guard('stop', () => ctx.datastore.nodeStop({ id: this.id }));
    this.state = 'stopped';
    ctx.events.emit('nodeLeft', this.id);
    this.stopLogging();
  }

  /** `await using node = ...` stops the node at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /**
   * The loop: dispatch what is due, then peel when a peel is due (see `NodeContext.peelEveryMs`;
   * at once after a peel that left work behind, after this node released a schedule's gate, when
   * another process announced a schedule's fire time, and once more a peel lease and a poll wait
   * after that), then sleep until the next poll, a due alarm
   * or an announcement (these two within the claim pace). A wake-up for a task peeled ahead
   * dispatches without a peel query in front of its claim.
   */
  private async runLoop(): Promise<void> {
    const { ctx } = this;
    while (this.state === 'running') {
      this.loopTurnedAt = ctx.clock.monotonic();
      let busy = false;
      try {
        busy = (await this.dispatch.run(ctx.takeOwnAlarmRang())) || busy;
      } catch (error) {
        ctx.reportError(error, 'dispatch');
      }
      if (this.state !== 'running') break;
      const turnAt = ctx.clock.monotonic();
      const announced = ctx.dbNow() >= this.announcedPeelAt;
      const asked = ctx.takePeelRequest();
      if (turnAt >= this.peelDueAt || announced || asked || turnAt >= this.peelRecheckAt) {
        const shortestWait = Math.min(...this.timings.pollWaitsMs);
        this.announcedPeelAt = Infinity;
        if (announced) this.peelRecheckAt = turnAt + this.timings.peelLeaseMs + shortestWait;
        else if (turnAt >= this.peelRecheckAt) this.peelRecheckAt = Infinity;
        this.peelDueAt = turnAt + ctx.peelEveryMs();
        try {
          const behind = await this.peel.run();
          if (behind) this.peelDueAt = 0;
          busy = behind || busy;
        } catch (error) {
          ctx.reportError(error, 'peel');
        }
      }
      await ctx.guard('cancel', () => this.cancels.poll());
      if (!busy && this.state === 'running' && !ctx.peelPending) {
        const recheckIn = Math.max(0, this.peelRecheckAt - ctx.clock.monotonic());
        await ctx.sleep(Math.min(ctx.nextLoopPollWait(this.dispatch.foundWorkAt), recheckIn), this.dispatch.pacedUntil);
      }
    }
  }

  /**
   * Heartbeats, recording the clock offset measured last, and measures the offset again from
   * the database clock the heartbeat answers (the midpoint of its round trip); with wake
   * signals, counts the live nodes that share its polls.
   */
  private async heartbeat(): Promise<void> {
    const { ctx } = this;
    const before = ctx.clock.now();
    const dbNow = await ctx.datastore.nodeHeartbeat({ id: this.id, clockOffsetMs: ctx.clockOffset });
    const after = ctx.clock.now();
    ctx.clockOffset = Math.round((before + after) / 2 - dbNow);
    ctx.events.emit('clockOffset', ctx.clockOffset);
    if (ctx.sharesPolls) {
      const nodes = await ctx.datastore.nodeList();
      ctx.pollShare = pollShareOf(nodes, [...ctx.executors.keys()], dbNow, this.timings.heartbeatEveryMs);
    }
  }
}
