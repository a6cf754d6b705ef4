import type { Datastore } from '../datastore/datastore.js';
import type { ReportedStatus } from '../datastore/external-execution.js';
import type { EventBus } from '../events/event-bus.js';
import type { Attempt } from './attempt.js';

/**
 * An attempt a node adopted (`Datastore.taskAdoptExpired`) rather than claimed: its external
 * execution already runs, so it is watched, never started again.
 */
export interface Adoption {
  /** An outcome reported for the execution while no node held the task, or null. */
  report: ReportedStatus | null;
}

/** What the external-execution steps of an attempt need from the attempt runner. */
export interface ExternalAttemptContext {
  /** Lease owner id of the node. */
  leaseOwner: string;
  /** The shared datastore. */
  datastore: Datastore;
  /** The node's events. */
  events: EventBus;
  /** Reports an unexpected error as `generalError`. */
  reportError(error: unknown, source: string, taskId?: string): void;
  /** Gives the attempt up: its lease is lost, nothing of it is committed. */
  lose(attempt: Attempt): void;
}

/**
 * Stores an attempt's execution id under its lease, so that the execution outlives the node:
 * whoever takes the task over asks the executor about it instead of starting another. Returns
 * false when the lease was lost before the id was stored: the attempt is lost, and the new
 * holder, not knowing the execution, will start its own. A store that cannot be reached is
 * reported and counts as stored: the attempt goes on watching, but its execution is then
 * unknown to the cluster should this node die.
 */
export async function recordExecution(ctx: ExternalAttemptContext, attempt: Attempt, executionId: string): Promise<boolean> {
  const { task } = attempt;
  try {
    const recorded = await ctx.datastore.taskSetExecution({ taskId: task.id, owner: ctx.leaseOwner, fence: task.fence, executionId });
    if (!recorded) {
      ctx.lose(attempt);
      return false;
    }
  } catch (error) {
    ctx.reportError(error, 'execution', task.id);
  }
  task.executionId = executionId;
  return true;
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
export async function handOver(ctx: ExternalAttemptContext, attempt: Attempt): Promise<void> {
  const { task } = attempt;
  try {
    const handed = await ctx.datastore.taskHandOver({ taskId: task.id, owner: ctx.leaseOwner, fence: task.fence });
    if (handed) ctx.events.emit('taskReleased', task);
    else ctx.lose(attempt);
  } catch (error) {
    ctx.reportError(error, 'finish', task.id);
  }
}
