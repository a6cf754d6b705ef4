import type { TaskOutcome } from '../datastore/datastore.js';
import { PermanentError } from '../errors/permanent-error.js';
import type { RandomStrategy } from '../strategies/random.js';
import type { StrategyRegistry } from '../strategies/registry.js';
import { errorMessage, storableText, type Attempt, type ExecutionResult } from './attempt.js';

/** What {@link decideOutcome} needs besides the attempt. */
export interface OutcomeContext {
  /** The node deciding, for reasons. */
  nodeId: string;
  /** The node's estimate of the database clock now. */
  now: number;
  /** Retry and delivery strategies. */
  strategies: StrategyRegistry;
  /** Jitter of retry delays. */
  random: RandomStrategy;
  /** The node's heartbeat timeout, for the error of an attempt it aborted for silence. */
  heartbeatTimeoutMs: number | null;
}

/** True for a PermanentError, by class or by code: task code may load another copy of core. */
function isPermanent(error: unknown): boolean {
  return error instanceof PermanentError || (error as { code?: unknown } | null)?.code === 'PERMANENT_FAILURE';
}

/**
 * Decides how an attempt ends from what its execution produced and why the node aborted it,
 * if it did: completed; cancelled; handed back (or abandoned, under at-most-once) when the
 * node stops; otherwise (a timeout, a silent executor, an error) a failure that the schedule's retry strategy turns into a retry after
 * a delay or a final failure. Pure. An attempt whose lease was lost never gets here: nothing
 * of it is committed.
 */
export function decideOutcome(attempt: Attempt, outcome: ExecutionResult, ctx: OutcomeContext): TaskOutcome {
  const { task } = attempt;
  const cause = attempt.abortCause;
  if (outcome.ok && cause === null) {
    return { state: 'completed', result: outcome.result, reason: `completed on node ${ctx.nodeId}` };
  }
  if (cause === 'stop') {
    if (ctx.strategies.get('delivery', task.policies.delivery, 'policies.delivery').onLeaseLost === 'abandon') {
      return {
        state: 'abandoned',
        reason: `abandoned by node ${ctx.nodeId}: node stopping (at-most-once: never started again)`,
      };
    }
    return {
      state: 'pending',
      dueAt: ctx.now,
      error: null,
      countFailure: false,
      reason: `handed back by node ${ctx.nodeId}: node stopping`,
    };
  }
  if (cause === 'cancel') {
    return {
      state: 'cancelled',
      error: null,
      reason: storableText(`cancelled on request${attempt.abortDetail === null ? '' : `: ${attempt.abortDetail}`}`),
    };
  }
  const error = storableText(
    cause === 'timeout'
      ? `timed out after ${task.policies.timeoutMs} ms`
      : cause === 'heartbeat-timeout'
        ? `no heartbeat for ${ctx.heartbeatTimeoutMs} ms: the execution was presumed dead and aborted`
        : outcome.ok
          ? 'aborted'
          : errorMessage(outcome.error),
  );
  const failures = task.failures + 1;
  const delay =
    !outcome.ok && isPermanent(outcome.error)
      ? null
      : ctx.strategies.get('retry', task.policies.retry.kind, 'policies.retry.kind')(
          task.policies.retry,
          failures,
          ctx.random,
        );
  if (delay === null)
    return { state: 'failed', error, reason: `failed on node ${ctx.nodeId} after ${failures} failed attempt(s)` };
  return {
    state: 'pending',
    dueAt: ctx.now + delay,
    error,
    countFailure: true,
    reason: `retry ${failures} of ${task.policies.retry.maxAttempts - 1} in ${delay} ms`,
  };
}
