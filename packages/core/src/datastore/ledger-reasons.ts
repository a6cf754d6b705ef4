import type { TaskState } from '../model/task.js';

/*
 * Every reason a datastore itself writes on a task and in its history. The memory store, the
 * generic SQL store and PostgreSQL's one-statement paths all take their words from here, so a
 * task's history reads the same on every store. Reasons a node or a client chooses (an
 * attempt's outcome, a cancel request) are passed to the store and written as given.
 */

/** A job's task when it is enqueued. */
export const ENQUEUED_REASON = 'enqueued';

/** The task of an operator's extra run of a schedule (`runSchedule`, `job run`), from its creation. */
export const MANUAL_RUN_REASON = 'manual: run now by an operator';

/** A task retried by an operator (`retryTask`, `task retry`), on the task and in its history. */
export const OPERATOR_RETRY_REASON = 'retried by an operator';

/** A pending task recorded `missed` because its starting deadline passed before a node claimed it. */
export const MISSED_DEADLINE_REASON = 'missed: not started before its starting deadline';

/** A task of duplicate policy `skip` recorded `skipped`: the schedule's run slot is held by `holderTaskId`. */
export function skipBusyReason(holderTaskId: string): string {
  return `skipped: schedule busy with task ${holderTaskId}`;
}

/**
 * A task of duplicate policy `queue` recorded `skipped`: task `waitingTaskId` of the schedule
 * already waits behind `holderTaskId` (one waits at most).
 */
export function skipQueueFullReason(waitingTaskId: string, holderTaskId: string): string {
  return `skipped: task ${waitingTaskId} is already queued behind task ${holderTaskId}`;
}

/**
 * A task of duplicate policy `replace` recorded `skipped`: a newer task of its schedule,
 * `newerTaskId`, was claimed in the same batch.
 */
export function skipSupersededReason(newerTaskId: string): string {
  return `skipped: replaced by newer task ${newerTaskId}`;
}

/** Why a task of duplicate policy `queue` stays pending: it waits for `holderTaskId` to release the run slot. */
export function queueWaitReason(holderTaskId: string): string {
  return `queued: waiting for task ${holderTaskId}`;
}

/**
 * The cancel request a `replace` claim sets on the running task that holds its schedule's run
 * slot. Its node commits the task `cancelled` with this reason behind `cancelled on request: `;
 * repair, if the node died first, with it in its own words.
 */
export function replaceCancelReason(newerTaskId: string): string {
  return `replaced by task ${newerTaskId}`;
}

/**
 * Why a `replace` task stays pending: the task holding its schedule's run slot was asked to
 * cancel and has not ended yet.
 */
export function replaceWaitReason(holderTaskId: string): string {
  return `replacing: waiting for task ${holderTaskId} to end`;
}

/**
 * Why repair moved a task on. Begins with `repaired:` so that a history can count repairs.
 * `cancelReason` is the reason of the cancel request of a task repaired to `cancelled` (e.g.
 * the newer task of a `replace` schedule).
 */
export function repairReason(
  to: TaskState,
  previousOwner: string | null,
  repairs: number,
  cancelReason: string | null = null,
): string {
  const lost = `repaired: lease of ${previousOwner ?? 'no owner'} expired`;
  if (to === 'cancelled')
    return `${lost}; cancelled (a cancel was requested${cancelReason === null ? '' : `: ${cancelReason}`})`;
  if (to === 'abandoned') return `${lost}; abandoned (at-most-once)`;
  if (to === 'failed') return `${lost}; failed: its attempts were lost with their node ${repairs} times`;
  return `${lost}; due again (at-least-once)`;
}

/**
 * Why a task with an external execution was adopted by another node instead of repaired.
 * Begins with `adopted:`, so that a history can tell adoptions from reruns.
 */
export function adoptReason(previousOwner: string | null, executionId: string | null, nodeId: string): string {
  return `adopted: lease of ${previousOwner ?? 'no owner'} expired; node ${nodeId} watches external execution ${executionId ?? 'unknown'}`;
}

/**
 * The reason (and error) a pending task is failed with when no node has offered its executor
 * for the unresolved bound.
 */
export function unresolvedReason(executor: string): string {
  return `unresolved: no node offers executor ${executor}`;
}
