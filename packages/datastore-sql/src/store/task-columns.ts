/**
 * The columns of a task row every insert writes, in the order of the statements that list
 * them: a peeled task's row (see schedules-claim.ts) and the head of a job's.
 */
export const TASK_COLUMNS = [
  'id',
  'schedule_id',
  'fire_at',
  'span_end_at',
  'span_count',
  'due_at',
  'deadline_at',
  'state',
  'attempt',
  'failures',
  'repairs',
  'fence',
  'version',
  'executor',
  'payload',
  'policies',
  'duplicate_policy',
  'delivery',
  'priority',
  'lease_owner',
  'lease_expires_at',
  'node_id',
  'started_at',
  'ended_at',
  'result',
  'error',
  'reason',
  'execution_id',
  'cancel_requested',
  'created_at',
  'updated_at',
] as const;

/**
 * The columns of a job's row: a task's, then its dedupe key, key lock and trace context (the
 * order of `jobTuple` in tasks-enqueue.ts).
 */
export const JOB_COLUMNS = [...TASK_COLUMNS, 'dedupe_key', 'dedupe_lock', 'trace_context'] as const;
