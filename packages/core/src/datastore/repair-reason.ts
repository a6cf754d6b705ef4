import type { TaskState } from '../model/task.js';

/**
 * Why repair moved a task on. Every store writes the same words, and they begin with
 * `repaired:` so that a history can count repairs. `cancelReason` is the reason of the cancel
 * request of a task repaired to `cancelled` (e.g. the newer task of a `replace` schedule).
 */
export function repairReason(to: TaskState, previousOwner: string | null, repairs: number, cancelReason: string | null = null): string {
  const lost = `repaired: lease of ${previousOwner ?? 'no owner'} expired`;
  if (to === 'cancelled') return `${lost}; cancelled (a cancel was requested${cancelReason === null ? '' : `: ${cancelReason}`})`;
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
