import type { TaskState } from '../model/task.js';

/**
 * Why repair moved a task on. Every store writes the same words, and they begin with
 * `repaired:` so that a history can count repairs.
 */
export function repairReason(to: TaskState, previousOwner: string | null, repairs: number): string {
  const lost = `repaired: lease of ${previousOwner ?? 'no owner'} expired`;
  if (to === 'cancelled') return `${lost}; cancelled (a cancel was requested)`;
  if (to === 'abandoned') return `${lost}; abandoned (at-most-once)`;
  if (to === 'failed') return `${lost}; failed: its attempts were lost with their node ${repairs} times`;
  return `${lost}; due again (at-least-once)`;
}
