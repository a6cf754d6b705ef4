import type { Datastore, TaskOutcome } from '../datastore/datastore.js';
import type { ExecutionReport } from '../datastore/external-execution.js';
import { LeaseLostError } from '../errors/lease-lost-error.js';
import { RookeryError } from '../errors/rookery-error.js';
import type { EventBus } from '../events/event-bus.js';
import type { Executor, ExecutionContext, ExecutionStart, ExternalStatus } from '../executor/executor.js';
import type { WorkerPool } from '../executor/worker-pool.js';
import type { Task } from '../model/task.js';
import type { Clock } from '../strategies/clock.js';
import type { RandomStrategy } from '../strategies/random.js';
import type { StrategyRegistry } from '../strategies/registry.js';
import type { Timers } from '../strategies/timers.js';
import { errorMessage, storableText, untilAborted, type AbortCause, type Attempt, type ExecutionResult } from './attempt.js';
import { decideOutcome } from './decide-outcome.js';
import { endUnknownExecution, handOver, handsOver, recordExecution, type Adoption, type ExternalAttemptContext } from './external-attempt.js';
import { ExternalWaits, externalResult } from './external-waits.js';
import { setLongTimeout } from './long-timer.js';
import { commitBackoffMs } from './commit-backoff.js';
import { FinishBatcher } from './finish-batcher.js';
import { storableOutcome, type StorableOutcome } from './storable-result.js';
import { TaskLogBuffer } from './task-log-buffer.js';
import { abortGraceOf, type NodeTimings } from './node-options.js';
import { SpanKind } from '@opentelemetry/api';
import { inSpan, markRunSpan, taskAttributes } from '../tracing/spans.js';
import { storedParentContext } from '../tracing/trace-context.js';

/** The reason an aborted attempt's signal carries: a LeaseLostError, or a RookeryError whose code says why. */
function abortReason(attempt: Attempt, cause: AbortCause, detail: string | null, heartbeatTimeoutMs: number | null): Error {
  const id = attempt.task.id;
  switch (cause) {
    case 'lease-lost':
      return new LeaseLostError(id, attempt.task.fence);
    case 'cancel':
      return new RookeryError('CANCELLED', `attempt of task ${id} cancelled on request${detail === null ? '' : `: ${detail}`}`);
    case 'heartbeat-timeout':
      return new RookeryError('HEARTBEAT_TIMEOUT', `attempt of task ${id} aborted: no heartbeat for ${heartbeatTimeoutMs} ms`);
    case 'timeout':
      return new RookeryError('ABORTED', `attempt of task ${id} aborted: timeout`);
    case 'stop':
      return new RookeryError('ABORTED', `attempt of task ${id} aborted: node stopping`);
  }
}

/** Commits of one outcome tried before the node gives the attempt up to repair. */
const MAX_FINISH_TRIES = 5;

/** What the attempt runner needs from its node. */
export interface AttemptRunnerContext {
  /** Node id, for reasons and events. */
  nodeId: string;
  /** Lease owner id of the node. */
  leaseOwner: string;
  /** The shared datastore. */
  datastore: Datastore;
  /** The node's events. */
  events: EventBus;
  /** Worker slots. */
  pool: WorkerPool;
  /** Retry and delivery strategies. */
  strategies: StrategyRegistry;
  /** Jitter of retry delays. */
  random: RandomStrategy;
  /** Monotonic time for trust windows. */
  clock: Clock;
  /** Where timeouts, commit backoff and external poll waits are timed. */
  timers: Timers;
  /** Lease length and trust margin. */
  timings: NodeTimings;
  /** The node's estimate of the database clock. */
  dbNow(): number;
  /** The next poll wait (external executions are polled on it). */
  nextPollWait(): number;
  /** Renews the node's leases soon (an attempt's `heartbeat()`). */
  requestRenewal(): void;
  /** Wakes the node's loop at a task's due time. */
  wakeAt(dueAt: number): void;
  /** Wakes the node's loop now (a worker slot is free). */
  wake(): void;
  /** Reports an unexpected error as `generalError`. */
  reportError(error: unknown, source: string, taskId?: string): void;
}

/**
 * Runs the attempts a node has claimed, from start to a fenced commit (duty 4, finish): it
 * executes each through its executor under a timeout and an abort signal, decides the outcome,
 * and commits it conditionally on the lease. An attempt whose lease is lost is aborted and
 * nothing of it is ever committed.
 */
export class AttemptRunner {
  /** Attempts running on this node, by task id. */
  readonly running = new Map<string, Attempt>();
  private readonly externalWaits: ExternalWaits;
  private readonly external: ExternalAttemptContext;
  private readonly finishes: FinishBatcher;

  /** @param ctx - what the runner needs from its node */
  constructor(private readonly ctx: AttemptRunnerContext) {
    this.externalWaits = new ExternalWaits(ctx.timers);
    this.external = { ...ctx, lose: (attempt) => this.lose(attempt) };
    this.finishes = new FinishBatcher(ctx.datastore);
  }

  /**
   * Starts one claimed attempt. `claimedAt` is the monotonic instant taken before the claim
   * was sent, so the local trust window never outlasts the lease in the database. With
   * `adoption`, the task's external execution is watched instead of started; an attempt of
   * the same task still running here (its lease lost, since the adoption took a new fence)
   * is given up first.
   */
  start(task: Task, executor: Executor | undefined, claimedAt: number, adoption?: Adoption): void {
    const previous = this.running.get(task.id);
    if (previous) this.lose(previous);
    const { timings } = this.ctx;
    const abortGraceMs = abortGraceOf(executor);
    const attempt: Attempt = {
      task,
      controller: new AbortController(),
      trustUntil: claimedAt + timings.leaseMs - timings.trustMarginMs - abortGraceMs,
      abortGraceMs,
      abortCause: null,
      abortDetail: null,
      lastHeartbeatAt: null,
      leaseLost: false,
      trustRanOut: false,
      timeoutTimer: null,
      done: Promise.resolve(),
    };
    this.running.set(task.id, attempt);
    // One span per attempt, a child of the enqueuing code's span when the task stored its context.
    const spec = { name: 'rookery.run', kind: SpanKind.CONSUMER, parent: storedParentContext(task.traceContext), attributes: taskAttributes(task) };
    attempt.done = inSpan(spec, () => this.run(attempt, executor, adoption))
      .catch((error: unknown) => this.ctx.reportError(error, 'finish', task.id))
      .finally(() => {
        if (this.running.get(task.id) === attempt) this.running.delete(task.id);
        this.ctx.wake();
      });
  }

  /** Aborts an attempt with `cause` and an optional detail (the first cause wins). */
  abort(attempt: Attempt, cause: AbortCause, detail: string | null = null): void {
    if (attempt.abortCause !== null) return;
    attempt.abortCause = cause;
    attempt.abortDetail = detail;
    attempt.controller.abort(abortReason(attempt, cause, detail, this.ctx.timings.heartbeatTimeoutMs));
  }

  /** The attempt's lease is lost (or given up): abort it, commit nothing, say so once. */
  lose(attempt: Attempt): void {
    if (attempt.leaseLost) return;
    attempt.leaseLost = true;
    this.abort(attempt, 'lease-lost');
    this.ctx.events.emit('leaseLost', attempt.task.id, attempt.task.fence);
  }

  /** The attempt's trust window ran out before a renewal came back: give its lease up (see {@link Attempt.trustRanOut}). */
  loseTrust(attempt: Attempt): void {
    if (attempt.leaseLost) return;
    attempt.trustRanOut = true;
    this.lose(attempt);
  }

  /** Delivers an external execution's reported outcome; true when an attempt was waiting for it. */
  report(executionId: string, status: ExternalStatus): boolean {
    return this.externalWaits.report(executionId, status);
  }

  /** Delivers an outcome stored by `Datastore.taskReportExecution`, if it concerns a running attempt's execution. */
  deliverStored(report: ExecutionReport): void {
    const attempt = this.running.get(report.taskId);
    if (attempt?.task.executionId === report.executionId) this.externalWaits.report(report.executionId, report.status);
  }

  private async run(attempt: Attempt, executor: Executor | undefined, adoption: Adoption | undefined): Promise<void> {
    const { task } = attempt;
    const { pool, nodeId } = this.ctx;
    // A claim whose answer came after its trust window ran out (the node stalled between
    // sending the claim and reading the answer) is never started: repair may already have
    // given the task to another node.
    if (this.ctx.clock.monotonic() > attempt.trustUntil) {
      this.loseTrust(attempt);
      return this.handBack(attempt, false);
    }
    // An adopted execution runs whether or not this node has a free slot: it is watched anyway.
    const slot = executor !== undefined && pool.acquire(task.executor);
    if (!executor || (!slot && !adoption)) {
      await this.settle(attempt, {
        state: 'pending',
        dueAt: this.ctx.dbNow(),
        error: null,
        countFailure: false,
        reason: `handed back by node ${nodeId}: no free worker slot for executor ${task.executor}`,
      });
      return;
    }
    this.ctx.events.emit(adoption ? 'taskAdopted' : 'taskStarted', task);
    const log = new TaskLogBuffer(task.id, {
      datastore: this.ctx.datastore,
      now: () => this.ctx.dbNow(),
      reportError: (error) => this.ctx.reportError(error, 'log', task.id),
    });
    if (task.policies.timeoutMs !== null) {
      // An adopted attempt's timeout runs from the attempt's start, not from the adoption.
      const spent = adoption && task.startedAt !== null ? Math.max(0, this.ctx.dbNow() - task.startedAt) : 0;
      attempt.timeoutTimer = setLongTimeout(() => this.abort(attempt, 'timeout'), Math.max(0, task.policies.timeoutMs - spent), this.ctx.timers);
    }
    let result: ExecutionResult;
    try {
      result = await this.execute(attempt, executor, log, adoption);
    } finally {
      attempt.timeoutTimer?.cancel();
      if (slot) pool.release(task.executor);
    }
    // the log is stored before the outcome, so whoever sees the outcome sees the whole log
    await log.close();
    if (attempt.leaseLost) {
      // Work that is known to have stopped (an executor that settles after abort, nothing external) is handed back.
      if (attempt.trustRanOut && executor.settlesAfterAbort && !adoption && attempt.task.executionId === null) await this.handBack(attempt, true);
      return;
    }
    if (handsOver(attempt)) return handOver(this.external, attempt);
    const { outcome, resultBytes } = this.decide(attempt, result);
    await this.settle(attempt, outcome, resultBytes);
  }

  private async execute(attempt: Attempt, executor: Executor, log: TaskLogBuffer, adoption: Adoption | undefined): Promise<ExecutionResult> {
    const signal = attempt.controller.signal;
    try {
      let start: ExecutionStart;
      if (adoption && attempt.task.executionId !== null) {
        if (adoption.report) return externalResult(adoption.report);
        start = { kind: 'external', executionId: attempt.task.executionId, reports: executor.status ? 'poll' : 'message' };
      } else {
        const starting = executor.start(this.context(attempt, log));
        try {
          // An executor that settles after abort is awaited: its slot stays taken and nothing is
          // committed while what it started still runs.
          start = await (executor.settlesAfterAbort ? starting : untilAborted(starting, signal));
        } catch (error) {
          if (signal.aborted && !executor.settlesAfterAbort) this.endLateExecution(attempt, executor, starting);
          throw error;
        }
        if (start.kind === 'done') return { ok: true, result: start.result };
        // An execution whose id is not stored is known to no other node: end it rather than leave it orphaned.
        if (!(await recordExecution(this.external, attempt, start.executionId))) await endUnknownExecution(this.external, executor, attempt, start.executionId);
      }
      return await this.externalWaits.await(
        executor,
        start,
        signal,
        () => this.ctx.nextPollWait(),
        (error) => this.ctx.reportError(error, 'status', attempt.task.id),
        () => attempt.leaseLost || handsOver(attempt),
      );
    } catch (error) {
      return { ok: false, error };
    }
  }

  /**
   * The attempt was aborted while `executor.start()` was still submitting: an external
   * execution it starts after all is never recorded (the attempt is over), so it is ended as
   * soon as its id is known. A late failure of `start()` needs nothing.
   */
  private endLateExecution(attempt: Attempt, executor: Executor, starting: Promise<ExecutionStart>): void {
    starting
      .then(
        (late) => (late.kind === 'external' ? endUnknownExecution(this.external, executor, attempt, late.executionId) : undefined),
        () => undefined,
      )
      .catch((error: unknown) => this.ctx.reportError(error, 'execution', attempt.task.id));
  }

  private context(attempt: Attempt, log: TaskLogBuffer): ExecutionContext {
    const { task } = attempt;
    return {
      task: { id: task.id, scheduleId: task.scheduleId, fireAt: task.fireAt, attempt: task.attempt, fence: task.fence },
      idempotencyKey: `${task.id}:${task.fence}`,
      payload: task.payload,
      signal: attempt.controller.signal,
      log: (line: string) => {
        const text = String(line);
        this.ctx.events.emit('taskLog', task.id, text);
        log.add(text);
      },
      heartbeat: () => {
        attempt.lastHeartbeatAt = this.ctx.clock.monotonic();
        this.ctx.requestRenewal();
      },
    };
  }

  /** Decides the attempt's outcome and checks its result, ready for the finish batcher. */
  private decide(attempt: Attempt, result: ExecutionResult): StorableOutcome {
    const { task } = attempt;
    const { nodeId, timings } = this.ctx;
    if (attempt.abortCause === 'timeout') this.ctx.events.emit('taskTimedOut', task);
    try {
      const outcome = decideOutcome(attempt, result, { nodeId, now: this.ctx.dbNow(), strategies: this.ctx.strategies, random: this.ctx.random, heartbeatTimeoutMs: timings.heartbeatTimeoutMs });
      return storableOutcome(outcome, timings.maxResultBytes, nodeId);
    } catch (error) {
      // A strategy this node lacks (or one that throws) must not leave the task running for ever.
      this.ctx.reportError(error, 'finish', task.id);
      const what = result.ok ? 'the attempt succeeded' : errorMessage(result.error);
      return {
        outcome: { state: 'failed', error: storableText(`${what}; deciding the outcome failed: ${errorMessage(error)}`), reason: `failed on node ${nodeId}: outcome undecidable` },
        resultBytes: 0,
      };
    }
  }

  /**
   * Commits the outcome, conditionally on the lease. A commit whose connection failed has an
   * unknown outcome: the task is re-read, never blindly written again, and tried again after
   * a jittered backoff in a batch of its own, so that an outcome the store refuses cannot fail
   * the commits it was batched with twice. After {@link MAX_FINISH_TRIES} failed tries the
   * attempt is given up: its lease is left to expire and repair decides.
   */
  private async settle(attempt: Attempt, outcome: TaskOutcome, resultBytes = 0): Promise<void> {
    const { task } = attempt;
    const { datastore, clock, leaseOwner, nodeId } = this.ctx;
    for (let tries = 1; ; tries += 1) {
      if (attempt.leaseLost || clock.monotonic() > attempt.trustUntil) return this.lose(attempt);
      try {
        const commit = { taskId: task.id, owner: leaseOwner, fence: task.fence, nodeId, outcome };
        const committed = await inSpan({ name: 'rookery.finish', attributes: taskAttributes(task) }, () => this.finishes.finish(commit, { resultBytes, alone: tries > 1 }));
        if (!committed) return this.lose(attempt);
        return this.announce(committed, outcome);
      } catch (error) {
        this.ctx.reportError(error, 'finish', task.id);
        const current = await datastore.taskGet(task.id).catch((readError: unknown) => {
          this.ctx.reportError(readError, 'finish', task.id);
          return undefined;
        });
        if (current && current.fence === task.fence && current.state !== 'running') return this.announce(current, outcome);
        if (current && current.fence !== task.fence) return this.lose(attempt);
        if (tries >= MAX_FINISH_TRIES) return this.lose(attempt);
        await new Promise<void>((resolve) => this.ctx.timers.setTimeout(resolve, commitBackoffMs(tries, this.ctx.random)));
      }
    }
  }

  /**
   * Hands back the task of an attempt given up on its trust window, whose work never started or
   * is known to have stopped: one commit on the lease (owner, fence, unexpired by the database
   * clock), so it only takes effect if no other node can have the task, and then makes it
   * pending at once (or abandoned, for an at-most-once attempt that started) instead of leaving
   * it leased until its expiry and a repair. A node stopping right after still leaves nothing
   * leased. Refused (the lease expired or moved on) or failed, repair decides, as before.
   */
  private async handBack(attempt: Attempt, started: boolean): Promise<void> {
    const { task } = attempt;
    const { nodeId, leaseOwner } = this.ctx;
    const abandon = started && this.ctx.strategies.get('delivery', task.policies.delivery, 'policies.delivery').onLeaseLost === 'abandon';
    const outcome: TaskOutcome = abandon
      ? { state: 'abandoned', reason: `abandoned by node ${nodeId}: lease not renewed in time (at-most-once: never started again)` }
      : {
          state: 'pending',
          dueAt: this.ctx.dbNow(),
          error: null,
          countFailure: false,
          reason: `handed back by node ${nodeId}: ${started ? 'lease not renewed in time' : 'claim answered after its trust window'}`,
        };
    try {
      const committed = await this.finishes.finish({ taskId: task.id, owner: leaseOwner, fence: task.fence, nodeId, outcome }, { resultBytes: 0, alone: true });
      if (committed) this.announce(committed, outcome);
    } catch (error) {
      this.ctx.reportError(error, 'finish', task.id);
    }
  }

  private announce(task: Task, outcome: TaskOutcome): void {
    const { events } = this.ctx;
    markRunSpan(task, task.state === 'failed' || (outcome.state === 'pending' && outcome.countFailure));
    switch (task.state) {
      case 'completed':
        events.emit('taskCompleted', task);
        break;
      case 'failed':
        events.emit('taskFailed', task, task.error ?? 'failed');
        break;
      case 'cancelled':
        events.emit('taskCancelled', task);
        break;
      case 'abandoned':
        events.emit('taskAbandoned', task);
        break;
      case 'pending':
        if (outcome.state === 'pending' && outcome.countFailure) events.emit('taskRetried', task, task.error ?? 'failed');
        else events.emit('taskReleased', task);
        this.ctx.wakeAt(task.dueAt);
        break;
      default:
        break;
    }
  }
}
