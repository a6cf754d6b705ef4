import { PermanentError } from '../errors/permanent-error.js';
import { ValidationError } from '../errors/validation-error.js';
import type { Executor, ExternalStatus } from '../executor/executor.js';
import type { Timers } from '../strategies/timers.js';
import type { ExecutionResult } from './attempt.js';

/** What an attempt's outcome is, given the final state of its external execution. */
export function externalResult(status: Exclude<ExternalStatus, { state: 'running' }>): ExecutionResult {
  if (status.state === 'completed') return { ok: true, result: status.result };
  return { ok: false, error: status.retryable ? new Error(status.error) : new PermanentError(status.error) };
}

/**
 * The external executions a node is waiting for. An outcome arrives by polling the executor's
 * `status()` on the node's poll waits, or by a message handed to {@link ExternalWaits.report}
 * (with polling, when the executor has `status()`, as a fallback for a message that never
 * comes).
 */
export class ExternalWaits {
  private readonly waiting = new Map<string, (status: ExternalStatus) => void>();

  /** @param timers - where the poll waits are timed */
  constructor(private readonly timers: Timers) {}

  /** Delivers a reported outcome; true when an execution was waiting for it. */
  report(executionId: string, status: ExternalStatus): boolean {
    const deliver = this.waiting.get(executionId);
    if (!deliver || status.state === 'running') return false;
    deliver(status);
    return true;
  }

  /**
   * Waits for the outcome of one external execution. On abort, cancels the execution where
   * the executor can, unless `leaveRunning()` says it goes on for another node to adopt (the
   * lease was lost, or the node hands it over as it stops), and rejects with the abort reason.
   */
  async await(
    executor: Executor,
    start: { executionId: string; reports?: 'poll' | 'message' },
    signal: AbortSignal,
    pollWait: () => number,
    onStatusError: (error: unknown) => void,
    leaveRunning: () => boolean,
  ): Promise<ExecutionResult> {
    const { executionId } = start;
    if (!executor.status && start.reports !== 'message') {
      throw new ValidationError(
        'executors',
        `executor ${executor.name} returned a polled external execution but has no status()`,
      );
    }
    let reported: ExternalStatus | null = null;
    let wake: () => void = () => undefined;
    const deliver = (status: ExternalStatus): void => {
      reported = status;
      wake();
    };
    this.waiting.set(executionId, deliver);
    try {
      for (;;) {
        if (signal.aborted) {
          if (executor.cancel && !leaveRunning()) await executor.cancel(executionId);
          throw signal.reason;
        }
        const status = reported ?? (await this.poll(executor, executionId, onStatusError));
        if (status.state !== 'running') return externalResult(status);
        await new Promise<void>((resolve) => {
          const done = (): void => {
            timer.cancel();
            signal.removeEventListener('abort', done);
            resolve();
          };
          const timer = this.timers.setTimeout(done, pollWait());
          wake = done;
          signal.addEventListener('abort', done, { once: true });
        });
      }
    } finally {
      // An attempt that adopted the execution after this one lost it may wait for it now.
      if (this.waiting.get(executionId) === deliver) this.waiting.delete(executionId);
    }
  }

  /**
   * Asks the executor for the execution's state. A failing `status()` call (the framework is
   * briefly unreachable) is reported and counts as still running: the execution itself may be
   * fine, and failing the attempt would start a second one.
   */
  private async poll(
    executor: Executor,
    executionId: string,
    onStatusError: (error: unknown) => void,
  ): Promise<ExternalStatus> {
    if (!executor.status) return { state: 'running' };
    try {
      return await executor.status(executionId);
    } catch (error) {
      onStatusError(error);
      return { state: 'running' };
    }
  }
}
