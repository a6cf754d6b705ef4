import type { Json } from '../json.js';
import type { Schedule } from './schedule.js';
import type { Task } from './task.js';
import { taskPoliciesOf } from './task-policies.js';

/**
 * The task a datastore writes for an extra run of `schedule` at `fireAt` (`now`, or the first
 * millisecond after it free in the schedule's ledger): pending, due at once, with the
 * schedule's executor and task policies, its payload (or `payload`), no deadline, no trace context, and `reason`. Every store builds
 * the row it inserts from this.
 */
export function manualTask(
  schedule: Schedule,
  id: string,
  fireAt: number,
  reason: string,
  now: number,
  payload: Json = schedule.payload,
): Task {
  return {
    id,
    scheduleId: schedule.id,
    fireAt,
    key: null,
    origin: 'manual',
    spanEndAt: null,
    spanCount: 1,
    dueAt: now,
    deadlineAt: null,
    state: 'pending',
    attempt: 0,
    failures: 0,
    repairs: 0,
    fence: 0,
    executor: schedule.executor,
    payload: structuredClone(payload),
    policies: taskPoliciesOf(schedule.policies),
    leaseOwner: null,
    leaseExpiresAt: null,
    nodeId: null,
    startedAt: null,
    endedAt: null,
    result: null,
    error: null,
    reason,
    executionId: null,
    cancelRequested: false,
    traceContext: null,
    createdAt: now,
    updatedAt: now,
  };
}
