import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Datastore, TaskOutcome } from '../datastore/datastore.js';
import { LeaseLostError } from '../errors/lease-lost-error.js';
import { RookeryError } from '../errors/rookery-error.js';
import type { EventBus } from '../events/event-bus.js';
import type { Executor, ExecutionContext, ExternalStatus } from '../executor/executor.js';
import type { WorkerPool } from '../executor/worker-pool.js';
import type { Task } from '../model/task.js';
import { systemClock, type Clock } from '../strategies/clock.js';
import { hostLeaseId, uuidV7, type IdStrategy } from '../strategies/ids.js';
import { mathRandom, type RandomStrategy } from '../strategies/random.js';
import { createStrategyRegistry, type StrategyRegistry } from '../strategies/registry.js';
import { asError, type AbortCause, type Attempt, type ExecutionResult } from './attempt.js';
import { decideOutcome } from './decide-outcome.js';
import { ExternalWaits } from './external-waits.js';
import { resolveTimings, type NodeOptions, type NodeTimings } from './node-options.js';
import { setLongTimeout } from './long-timer.js';
import { planPeel } from './peel-plan.js';
import { Repeater } from './repeater.js';
import { Wakeup } from './wakeup.js';

/**
 * One scheduler process. It repeats the five duties of the protocol: peel schedules into
 * tasks, dispatch due tasks to executors, keep (renew) its leases, finish attempts with fenced
 * commits, and repair rows whose lease expired. Every node is alike; start as many as you like
 * on one datastore.
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
  private readonly ids: IdStrategy;
  private readonly random: RandomStrategy;
  private readonly running = new Map<string, Attempt>();
  private readonly wakeup = new Wakeup();
  private readonly repeaters: Repeater[] = [];
  private loop: Promise<void> | null = null;
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  private pollIndex = 0;
  private clockOffsetMs = 0;
  private dueTimer: NodeJS.Timeout | null = null;
  private dueTimerAt = Infinity;
  private renewSoon: NodeJS.Timeout | null = null;
  private readonly externalWaits = new ExternalWaits();

  /** @param options - how the node is wired and tuned */
  constructor(options: NodeOptions) {
    this.timings = resolveTimings(options);
    this.datastore = options.datastore;
    this.events = options.events;
    this.pool = options.pool;
    for (const e of options.executors) this.executors.set(e.name, e);
    this.strategies = options.strategies ?? createStrategyRegistry();
    this.clock = options.clock ?? systemClock;
    this.ids = options.ids ?? uuidV7;
    this.random = options.random ?? mathRandom;
    this.id = options.id ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.leaseOwner = (options.leaseId ?? hostLeaseId)(this.id);
  }

  /** Attempts running on this node now. */
  get runningCount(): number {
    return this.running.size;
  }

  /** True between a successful {@link RookeryNode.start} and the end of {@link RookeryNode.stop}. */
  get isRunning(): boolean {
    return this.state === 'running';
  }

  /** The database clock as this node estimates it. */
  dbNow(): number {
    return this.clock.now() - this.clockOffsetMs;
  }

  /**
   * Registers the node and starts its duties. Idempotent while running. Fails (and leaves the
   * node stopped) only if the node cannot register with the datastore.
   */
  async start(): Promise<void> {
    if (this.state === 'running') return;
    if (this.state !== 'new') throw new RookeryError('STOPPED', `node ${this.id} was stopped; create a new node`);
    const record = await this.datastore.nodeRegister({
      id: this.id,
      host: hostname(),
      pid: process.pid,
      executors: [...this.executors.keys()],
      clockOffsetMs: 0,
    });
    this.state = 'running';
    this.events.emit('nodeJoined', record);
    await this.guard('heartbeat', () => this.heartbeat());
    const t = this.timings;
    this.repeaters.push(
      new Repeater(t.renewEveryMs, () => this.guard('keep', () => this.keep())),
      new Repeater(Math.max(10, Math.floor(t.trustMarginMs / 2)), () => this.guard('keep', async () => this.enforceTrust())),
      new Repeater(t.repairEveryMs, () => this.guard('repair', () => this.repair())),
      new Repeater(t.heartbeatEveryMs, () => this.guard('heartbeat', () => this.heartbeat())),
    );
    this.loop = this.runLoop();
  }

  /**
   * Stops gracefully: claims nothing more, lets running attempts finish for up to `graceMs`,
   * then aborts the rest and hands them back to the cluster (pending, due now), and marks the
   * node stopped. Idempotent; safe before start.
   */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    if (this.state !== 'running') {
      if (this.state === 'new') this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    this.wakeup.wake();
    await this.loop;
    const graceMs = options.graceMs ?? 10_000;
    let graceTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.running.values()].map((a) => a.done)),
      new Promise<void>((resolve) => (graceTimer = setTimeout(resolve, graceMs))),
    ]);
    clearTimeout(graceTimer);
    for (const a of this.running.values()) this.abort(a, 'stop');
    await Promise.allSettled([...this.running.values()].map((a) => a.done));
    for (const r of this.repeaters) r.stop();
    if (this.dueTimer) clearTimeout(this.dueTimer);
    if (this.renewSoon) clearTimeout(this.renewSoon);
    await this.guard('stop', () => this.datastore.nodeStop({ id: this.id }));
    this.state = 'stopped';
    this.events.emit('nodeLeft', this.id);
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

  private async runLoop(): Promise<void> {
    while (this.state === 'running') {
      let busy = false;
      try {
        busy = (await this.peel()) || busy;
      } catch (error) {
        this.reportError(error, 'peel');
      }
      if (this.state !== 'running') break;
      try {
        busy = (await this.dispatch()) || busy;
      } catch (error) {
        this.reportError(error, 'dispatch');
      }
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
    if (dueAt >= this.dueTimerAt) return;
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.dueTimerAt = dueAt;
    const delay = Math.max(0, Math.min(dueAt - this.dbNow(), 60_000));
    this.dueTimer = setTimeout(() => {
      this.dueTimer = null;
      this.dueTimerAt = Infinity;
      this.wakeup.wake();
    }, delay);
  }

  // Duty 1: peel.
  private async peel(): Promise<boolean> {
    const t = this.timings;
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
    for (const schedule of claimed) {
      await this.guard('peel', async () => {
        const plan = planPeel(schedule, {
          now: this.dbNow(),
          lookaheadMs: t.lookaheadMs,
          strategies: this.strategies,
          ids: this.ids,
          random: this.random,
        });
        const result = await this.datastore.schedulePeel({
          scheduleId: schedule.id,
          owner: this.leaseOwner,
          fence: schedule.fence,
          nodeId: this.id,
          ...plan,
        });
        if (!result.ok) return;
        if (plan.nextFireAt !== null && plan.nextFireAt <= this.dbNow() + t.lookaheadMs / 2) behind = true;
        for (const task of result.created) {
          this.events.emit('taskCreated', task);
          if (task.state === 'pending') this.wakeAt(task.dueAt);
        }
      });
    }
    return behind || claimed.length >= t.peelBatch;
  }

  // Duty 2: dispatch.
  private async dispatch(): Promise<boolean> {
    const names = [...this.executors.keys()].filter((name) => this.pool.free(name) > 0);
    const limit = this.pool.freeTotal();
    if (limit <= 0 || names.length === 0) return false;
    const { started, settled } = await this.datastore.taskClaimDue({
      owner: this.leaseOwner,
      nodeId: this.id,
      limit,
      leaseMs: this.timings.leaseMs,
      executors: names,
    });
    const claimedAt = this.clock.monotonic();
    for (const task of settled) this.events.emit('taskSkipped', task);
    for (const task of started) this.startAttempt(task, claimedAt);
    return started.length >= limit && limit > 0;
  }

  private startAttempt(task: Task, claimedAt: number): void {
    const executor = this.executors.get(task.executor);
    const attempt: Attempt = {
      task,
      controller: new AbortController(),
      trustUntil: claimedAt + this.timings.leaseMs - this.timings.trustMarginMs,
      abortCause: null,
      timeoutTimer: null,
      done: Promise.resolve(),
    };
    this.running.set(task.id, attempt);
    if (!executor || !this.pool.acquire(task.executor)) {
      attempt.done = this.settle(attempt, {
        state: 'pending',
        dueAt: this.dbNow(),
        error: null,
        countFailure: false,
        reason: `handed back by node ${this.id}: no free worker slot for executor ${task.executor}`,
      });
      return;
    }
    this.events.emit('taskStarted', task);
    if (task.policies.timeoutMs !== null) {
      attempt.timeoutTimer = setLongTimeout(() => this.abort(attempt, 'timeout'), task.policies.timeoutMs);
    }
    attempt.done = this.execute(attempt, executor);
  }

  private abort(attempt: Attempt, cause: AbortCause): void {
    if (attempt.abortCause !== null) return;
    attempt.abortCause = cause;
    const reason =
      cause === 'lease-lost'
        ? new LeaseLostError(attempt.task.id, attempt.task.fence)
        : new RookeryError('STOPPED', `attempt aborted: ${cause}`);
    attempt.controller.abort(reason);
  }

  private context(attempt: Attempt): ExecutionContext {
    const { task } = attempt;
    return {
      task: { id: task.id, scheduleId: task.scheduleId, fireAt: task.fireAt, attempt: task.attempt, fence: task.fence },
      payload: task.payload,
      signal: attempt.controller.signal,
      log: (line: string) => this.events.emit('taskLog', task.id, String(line)),
      heartbeat: () => this.requestRenewal(),
    };
  }

  private async execute(attempt: Attempt, executor: Executor): Promise<void> {
    let outcome: ExecutionResult;
    try {
      const start = await executor.start(this.context(attempt));
      outcome = start.kind === 'done' ? { ok: true, result: start.result } : await this.externalWaits.await(executor, start, attempt.controller.signal, () => this.nextPollWait());
    } catch (error) {
      outcome = { ok: false, error };
    } finally {
      attempt.timeoutTimer?.cancel();
      this.pool.release(attempt.task.executor);
    }
    if (attempt.abortCause === 'lease-lost') {
      this.running.delete(attempt.task.id);
      this.wakeup.wake();
      return;
    }
    await this.settle(attempt, this.decide(attempt, outcome));
  }

  /**
   * Delivers the outcome of an external execution that reports by message. Returns true when
   * an attempt on this node was waiting for it; false otherwise (another node runs it, or it
   * is already settled).
   */
  reportExecution(executionId: string, status: ExternalStatus): boolean {
    return this.externalWaits.report(executionId, status);
  }

  private decide(attempt: Attempt, outcome: ExecutionResult): TaskOutcome {
    if (attempt.abortCause === 'timeout') this.events.emit('taskTimedOut', attempt.task);
    return decideOutcome(attempt, outcome, { nodeId: this.id, now: this.dbNow(), strategies: this.strategies, random: this.random });
  }

  // Duty 4: finish. The commit is conditional on the lease; an unknown outcome is re-read, never blindly retried.
  private async settle(attempt: Attempt, outcome: TaskOutcome): Promise<void> {
    const { task } = attempt;
    try {
      for (let tries = 0; ; tries += 1) {
        if (this.clock.monotonic() > attempt.trustUntil) return this.lose(attempt);
        try {
          const committed = await this.datastore.taskFinish({ taskId: task.id, owner: this.leaseOwner, fence: task.fence, nodeId: this.id, outcome });
          if (!committed) return this.lose(attempt);
          return this.announce(committed, outcome);
        } catch (error) {
          this.reportError(error, 'finish', task.id);
          const current = await this.datastore.taskGet(task.id).catch((readError: unknown) => {
            this.reportError(readError, 'finish', task.id);
            return undefined;
          });
          if (current && current.fence === task.fence && current.state !== 'running') return this.announce(current, outcome);
          if (current && current.fence !== task.fence) return this.lose(attempt);
          await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** tries, 2_000)));
        }
      }
    } finally {
      this.running.delete(task.id);
      this.wakeup.wake();
    }
  }

  private lose(attempt: Attempt): void {
    this.abort(attempt, 'lease-lost');
    this.events.emit('leaseLost', attempt.task.id, attempt.task.fence);
  }

  private announce(task: Task, outcome: TaskOutcome): void {
    switch (task.state) {
      case 'completed':
        this.events.emit('taskCompleted', task);
        break;
      case 'failed':
        this.events.emit('taskFailed', task, task.error ?? 'failed');
        break;
      case 'cancelled':
        this.events.emit('taskCancelled', task);
        break;
      case 'abandoned':
        this.events.emit('taskAbandoned', task);
        break;
      case 'pending':
        if (outcome.state === 'pending' && outcome.countFailure) this.events.emit('taskRetried', task, task.error ?? 'failed');
        else this.events.emit('taskReleased', task);
        this.wakeAt(task.dueAt);
        break;
      default:
        break;
    }
  }

  // Duty 3: keep.
  private requestRenewal(): void {
    if (this.renewSoon) return;
    this.renewSoon = setTimeout(() => {
      this.renewSoon = null;
      void this.guard('keep', () => this.keep());
    }, 0);
  }

  private async keep(): Promise<void> {
    const attempts = [...this.running.values()].filter((a) => a.abortCause !== 'lease-lost');
    if (attempts.length === 0) return;
    const sentAt = this.clock.monotonic();
    const result = await this.datastore.taskRenewLeases({
      owner: this.leaseOwner,
      leases: attempts.map((a) => ({ taskId: a.task.id, fence: a.task.fence })),
      leaseMs: this.timings.leaseMs,
    });
    const trustUntil = sentAt + this.timings.leaseMs - this.timings.trustMarginMs;
    for (const id of result.renewed) {
      const a = this.running.get(id);
      if (a) a.trustUntil = Math.max(a.trustUntil, trustUntil);
    }
    for (const id of result.lost) {
      const a = this.running.get(id);
      if (a && a.abortCause !== 'lease-lost') this.lose(a);
    }
    for (const id of result.cancelRequested) {
      const a = this.running.get(id);
      if (a) this.abort(a, 'cancel');
    }
  }

  /** The local trust window: an attempt whose lease could not be renewed in time is aborted before another node may take it. */
  private enforceTrust(): void {
    const now = this.clock.monotonic();
    for (const a of this.running.values()) {
      if (a.abortCause !== 'lease-lost' && now > a.trustUntil) this.lose(a);
    }
  }

  // Duty 5: repair.
  private async repair(): Promise<void> {
    if (this.state !== 'running') return;
    this.events.emit('repairStarted', this.id);
    const repaired = await this.datastore.taskRepairExpired({ nodeId: this.id, limit: 100, maxRepairs: this.timings.maxRepairs });
    this.events.emit('repairFinished', this.id, repaired.map((r) => r.task));
    if (repaired.length > 0) this.wakeup.wake();
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
