import { SpanKind } from '@opentelemetry/api';
import type { Executor, ExecutionContext, ExecutionStart } from '../executor/executor.js';
import type { Task } from '../model/task.js';
import { inSpan, taskAttributes } from '../tracing/spans.js';
import { storedParentContext } from '../tracing/trace-context.js';
import { untilAborted, type Attempt, type ExecutionResult } from './attempt.js';
import type { FinishDuty } from './duties/finish.js';
import type { KeepDuty } from './duties/keep.js';
import { endUnknownExecution, handOver, handsOver, recordExecution, type Adoption } from './external-attempt.js';
import { externalResult } from './external-waits.js';
import { setLongTimeout } from './long-timer.js';
import type { NodeContext } from './node-context.js';
import { abortGraceOf } from './node-options.js';
import { TaskLogBuffer } from './task-log-buffer.js';

/**
 * Runs the attempts a node has claimed (dispatch) or adopted (repair), from start to the
 * finish duty: it executes each through its executor under a timeout and an abort signal,
 * stores its log, and hands the result to {@link FinishDuty}. An attempt whose lease is lost
 * is aborted and nothing of it is ever committed.
 */
export class AttemptRunner {
  /**
   * @param ctx - the node
   * @param finish - commits the attempts' outcomes
   * @param keep - renews leases when an executor heart-beats
   * @param onEnded - told of each attempt once it is over (its worker slot is free)
   */
  constructor(
    private readonly ctx: NodeContext,
    private readonly finish: FinishDuty,
    private readonly keep: KeepDuty,
    private readonly onEnded: (task: Task) => void,
  ) {}

  /**
   * Starts one claimed attempt. `claimedAt` is the monotonic instant taken before the claim
   * was sent, so the local trust window never outlasts the lease in the database. With
   * `adoption`, the task's external execution is watched instead of started; an attempt of
   * the same task still running here (its lease lost, since the adoption took a new fence)
   * is given up first.
   */
  start(task: Task, executor: Executor | undefined, claimedAt: number, adoption?: Adoption): void {
    const { attempts, timings } = this.ctx;
    const previous = attempts.get(task.id);
    if (previous) attempts.lose(previous);
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
      leaseLoss: new AbortController(),
      trustRanOut: false,
      timeoutTimer: null,
      executionEnded: false,
      done: Promise.resolve(),
    };
    attempts.set(task.id, attempt);
    // One span per attempt, a child of the enqueuing code's span when the task stored its context.
    const spec = {
      name: 'rookery.run',
      kind: SpanKind.CONSUMER,
      parent: storedParentContext(task.traceContext),
      attributes: taskAttributes(task),
    };
    attempt.done = inSpan(spec, () => this.run(attempt, executor, adoption))
      .catch((error: unknown) => this.ctx.reportError(error, 'finish', task.id))
      .finally(() => {
        if (attempts.get(task.id) === attempt) attempts.delete(task.id);
        this.onEnded(task);
      });
  }

  private async run(attempt: Attempt, executor: Executor | undefined, adoption: Adoption | undefined): Promise<void> {
    const { task } = attempt;
    const { pool, id: nodeId } = this.ctx;
    // A claim whose answer came after its trust window ran out (the node stalled between
    // sending the claim and reading the answer) is never started: repair may already have
    // given the task to another node.
    if (this.ctx.clock.monotonic() > attempt.trustUntil) {
      this.ctx.attempts.loseTrust(attempt);
      return this.finish.handBack(attempt, false);
    }
    // An adopted execution runs whether or not this node has a free slot: it is watched anyway.
    const slot = executor !== undefined && pool.acquire(task.executor);
    if (!executor || (!slot && !adoption)) {
      await this.finish.settle(attempt, {
        state: 'pending',
        dueAt: this.ctx.dbNow(),
        error: null,
        countFailure: false,
        reason: `handed back by node ${nodeId}: no free worker slot for executor ${task.executor}`,
      });
      return;
    }
    this.ctx.events.emit(adoption ? 'taskAdopted' : 'taskStarted', task);
    const log = new TaskLogBuffer(task.id, this.ctx);
    if (task.policies.timeoutMs !== null) {
      // An adopted attempt's timeout runs from the attempt's start, not from the adoption.
      const spent = adoption && task.startedAt !== null ? Math.max(0, this.ctx.dbNow() - task.startedAt) : 0;
      attempt.timeoutTimer = setLongTimeout(
        () => this.ctx.attempts.abort(attempt, 'timeout'),
        Math.max(0, task.policies.timeoutMs - spent),
        this.ctx.timers,
      );
    }
    let result: ExecutionResult;
    try {
      result = await this.execute(attempt, executor, log, adoption);
    } finally {
      attempt.executionEnded = true;
      attempt.timeoutTimer?.cancel();
      if (slot) pool.release(task.executor);
    }
    // the log is stored before the outcome, so whoever sees the outcome sees the whole log
    await log.close();
    if (attempt.leaseLost) {
      // Work that is known to have stopped (an executor that settles after abort, nothing external) is handed back.
      if (attempt.trustRanOut && executor.settlesAfterAbort && !adoption && attempt.task.executionId === null)
        await this.finish.handBack(attempt, true);
      return;
    }
    if (handsOver(attempt)) return handOver(this.ctx, attempt);
    const { outcome, resultBytes } = this.finish.decide(attempt, result);
    await this.finish.settle(attempt, outcome, resultBytes);
  }

  private async execute(
    attempt: Attempt,
    executor: Executor,
    log: TaskLogBuffer,
    adoption: Adoption | undefined,
  ): Promise<ExecutionResult> {
    const signal = attempt.controller.signal;
    try {
      let start: ExecutionStart;
      if (adoption && attempt.task.executionId !== null) {
        if (adoption.report) return externalResult(adoption.report);
        start = {
          kind: 'external',
          executionId: attempt.task.executionId,
          reports: executor.status ? 'poll' : 'message',
        };
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
        if (!(await recordExecution(this.ctx, attempt, start.executionId)))
          await endUnknownExecution(this.ctx, executor, attempt, start.executionId);
      }
      return await this.ctx.externalWaits.await(
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
        (late) =>
          late.kind === 'external' ? endUnknownExecution(this.ctx, executor, attempt, late.executionId) : undefined,
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
        this.keep.requestRenewal();
      },
    };
  }
}
