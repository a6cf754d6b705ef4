import type { ReportedStatus } from '../datastore/external-execution.js';
import { RookeryError } from '../errors/rookery-error.js';
import type { Executor } from '../executor/executor.js';
import { untilAborted, type Attempt } from './attempt.js';
import { commitBackoffMs } from './commit-backoff.js';
import type { NodeContext } from './node-context.js';

/** Writes of an execution id tried before the attempt is given up and its execution cancelled. */
const MAX_RECORD_TRIES = 3;

/**
 * An attempt a node adopted (`Datastore.taskAdoptExpired`) rather than claimed: its external
 * execution already runs, so it is watched, never started again.
 */
export interface Adoption {
  /** An outcome reported for the execution while no node held the task, or null. */
  report: ReportedStatus | null;
}

/**
 * Stores an attempt's execution id under its lease, so that the execution outlives the node:
 * whoever takes the task over asks the executor about it instead of starting another. Returns
 * false when the id is not stored, and the attempt is then lost (given up): the lease was lost
 * before the id was stored, or the write failed and re-reading the task could not show it
 * stored after {@link MAX_RECORD_TRIES} tries. Either way no other node can know the
 * execution, so the caller must end it ({@link endUnknownExecution}). A write that failed
 * has an unknown outcome: the task is re-read before the write is tried again. The lease's
 * loss ends the wait for a write still on its way; should that write land after all, the node
 * that adopts the task asks the executor about an execution already ended.
 */
export async function recordExecution(ctx: NodeContext, attempt: Attempt, executionId: string): Promise<boolean> {
  const { task } = attempt;
  // Every wait ends when the lease is lost: a write still on its way (a database that stopped
  // answering) can no longer make the execution known in time, and the caller's cancel must
  // come before another node may take the task over and start a second execution.
  const lost = attempt.leaseLoss.signal;
  try {
    for (let tries = 1; ; tries += 1) {
      if (attempt.leaseLost) return false;
      try {
        const recorded = await untilAborted(
          ctx.datastore.taskSetExecution({ taskId: task.id, owner: ctx.leaseOwner, fence: task.fence, executionId }),
          lost,
        );
        if (!recorded) {
          ctx.attempts.lose(attempt);
          return false;
        }
        task.executionId = executionId;
        return true;
      } catch (error) {
        if (lost.aborted) return false;
        ctx.reportError(error, 'execution', task.id);
        const current = await untilAborted(ctx.datastore.taskGet(task.id), lost).catch((readError: unknown) => {
          if (!lost.aborted) ctx.reportError(readError, 'execution', task.id);
          return undefined;
        });
        if (lost.aborted) return false;
        const held = current !== undefined && current.fence === task.fence && current.state === 'running';
        if (held && current.executionId === executionId) {
          task.executionId = executionId;
          return true;
        }
        if ((current !== undefined && !held) || tries >= MAX_RECORD_TRIES) {
          ctx.attempts.lose(attempt);
          return false;
        }
        await untilAborted(
          new Promise<void>((resolve) => ctx.timers.setTimeout(resolve, commitBackoffMs(tries, ctx.random))),
          lost,
        );
      }
    }
  } catch (error) {
    // Only the lease's loss ends a wait by rejecting here (datastore errors are caught above).
    if (lost.aborted) return false;
    throw error;
  }
}

/**
 * Ends an external execution that no node of the cluster knows of (its id was never stored):
 * cancels it where the executor can; otherwise reports it as a `generalError` with code
 * `EXECUTION_ORPHANED`, since it runs on unwatched and the task will be run again.
 */
export async function endUnknownExecution(
  ctx: NodeContext,
  executor: Executor,
  attempt: Attempt,
  executionId: string,
): Promise<void> {
  const { task } = attempt;
  if (!executor.cancel) {
    const message = `execution ${executionId} of task ${task.id} (fence ${task.fence}) could not be recorded and executor ${executor.name} has no cancel(): it runs unwatched`;
    ctx.reportError(new RookeryError('EXECUTION_ORPHANED', message), 'execution', task.id);
    return;
  }
  try {
    await executor.cancel(executionId);
  } catch (error) {
    ctx.reportError(error, 'execution', task.id);
  }
}

/** True when a stopping node hands the attempt's recorded external execution over to adoption rather than end it. */
export function handsOver(attempt: Attempt): boolean {
  return attempt.abortCause === 'stop' && attempt.task.executionId !== null;
}

/**
 * Ends the lease of a stopping node's attempt whose external execution goes on, so that
 * another node adopts the task at once and watches the execution to its end. If the write
 * fails, the lease simply expires and the task is adopted then.
 */
export async function handOver(ctx: NodeContext, attempt: Attempt): Promise<void> {
  const { task } = attempt;
  try {
    const handed = await ctx.datastore.taskHandOver({ taskId: task.id, owner: ctx.leaseOwner, fence: task.fence });
    if (handed) ctx.events.emit('taskReleased', task);
    else ctx.attempts.lose(attempt);
  } catch (error) {
    ctx.reportError(error, 'finish', task.id);
  }
}
