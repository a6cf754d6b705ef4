import type { NewJob } from '../datastore/datastore.js';
import type { Task } from './task.js';
import { ENQUEUED_REASON } from '../datastore/ledger-reasons.js';

/**
 * The task a datastore writes for `job` at `now`: pending, due at its `runAt` (or `now`), with
 * no schedule and no attempt yet. Every store builds the row it inserts, and the task it
 * answers with, from this.
 *
 * @param copy - copy the payload and policies (a store that keeps the task in memory); false
 *   shares them with `job`, whose objects the client made for this call alone (a bulk enqueue
 *   spent a third of its client time copying them). @defaultValue true
 */
export function jobTask(job: NewJob, now: number, copy = true): Task {
  const dueAt = job.runAt ?? now;
  return {
    id: job.id,
    scheduleId: null,
    fireAt: dueAt,
    key: job.key,
    origin: 'job',
    spanEndAt: null,
    spanCount: 1,
    dueAt,
    deadlineAt: null,
    state: 'pending',
    attempt: 0,
    failures: 0,
    repairs: 0,
    fence: 0,
    executor: job.executor,
    payload: copy ? structuredClone(job.payload) : job.payload,
    policies: copy ? structuredClone(job.policies) : job.policies,
    leaseOwner: null,
    leaseExpiresAt: null,
    nodeId: null,
    startedAt: null,
    endedAt: null,
    result: null,
    error: null,
    reason: ENQUEUED_REASON,
    executionId: null,
    cancelRequested: false,
    traceContext: job.traceContext ?? null,
    createdAt: now,
    updatedAt: now,
  };
}
