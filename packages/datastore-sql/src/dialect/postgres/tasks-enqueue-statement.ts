import { ENQUEUED_REASON, jobTask, type NewJob, type Task } from '@rookery/core';
import { num } from '../../store/row-mapping.js';
import type { SqlContext } from '../../store/sql-context.js';
import { preparedStatement } from './prepared-statement.js';

/**
 * The INSERT of the jobs of `input` that match `which`: `conflict` is the clause after the
 * SELECT (`ON CONFLICT DO NOTHING`, or nothing).
 */
const insertJobsSql = (which: string, conflict: string): string => `
  INSERT INTO rookery_tasks (id, schedule_id, fire_at, span_end_at, span_count, due_at, deadline_at, state,
    attempt, failures, repairs, fence, version, executor, payload, policies, duplicate_policy, delivery, priority,
    lease_owner, lease_expires_at, node_id, started_at, ended_at, result, error, reason, execution_id, cancel_requested,
    created_at, updated_at, dedupe_key, dedupe_lock, trace_context)
  SELECT i.id, i.id, COALESCE(i.run_at, t.now), NULL, 1, COALESCE(i.run_at, t.now), NULL, 'pending',
    0, 0, 0, 0, 0, i.executor, COALESCE(i.payload::text, 'null'), i.policies::text, 'run', i.delivery, i.priority,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, $3::text, NULL, 0, t.now, t.now, i.dedupe_key, i.dedupe_lock, i.trace_context
  FROM input i CROSS JOIN t
  WHERE ${which}${conflict}
  RETURNING id, created_at, reason`;

/**
 * One statement that inserts jobs and their creation events, for dialects with writable CTEs
 * (PostgreSQL): the jobs travel as one JSON array of rows (`json_to_recordset`), so a call of
 * any size is one prepared statement with three parameters, parsed and planned once per
 * connection, and the client serialises the whole call in one `JSON.stringify` (driver-side
 * escaping of eight text arrays, element by element, was a fifth of a bulk enqueue's client
 * time). A payload keeps its JSON text as given (`json`, not `jsonb`: key order and spacing
 * untouched). Rows whose live key or key lock is taken are skipped (`ON CONFLICT DO NOTHING`);
 * jobs with neither (new ids, their own id as schedule id) cannot collide and go in by a plain
 * INSERT, which spares each row the speculative insertion of `ON CONFLICT` (a fifth of the
 * statement's server time). Only the ids inserted and the statement's instant come back: the
 * rest of each task is the job as given, and parsing 32 columns a row back cost a quarter of
 * the statement's time.
 */
const enqueueSql = (clock: string): string => `
WITH t AS (SELECT COALESCE($1::bigint, ${clock}) AS now),
input AS (
  SELECT * FROM json_to_recordset($2::json)
    AS i(id text, executor text, payload json, policies json, delivery text, priority integer, run_at bigint, dedupe_key text, dedupe_lock text, trace_context text)),
keyless AS (${insertJobsSql('i.dedupe_key IS NULL AND i.dedupe_lock IS NULL', '')}),
keyed AS (${insertJobsSql('(i.dedupe_key IS NOT NULL OR i.dedupe_lock IS NOT NULL)', '\n  ON CONFLICT DO NOTHING')}),
inserted AS (SELECT * FROM keyless UNION ALL SELECT * FROM keyed),
events AS (
  INSERT INTO rookery_task_events (task_id, at, from_state, to_state, node_id, reason, fence)
  SELECT id, created_at, NULL, 'pending', NULL, reason, 0 FROM inserted)
SELECT id, created_at FROM inserted`;

/** A job as one element of the statement's JSON array, named as `json_to_recordset` reads it. */
function jobRecord(j: NewJob): Record<string, unknown> {
  return {
    id: j.id,
    executor: j.executor,
    payload: j.payload,
    policies: j.policies,
    delivery: j.policies.delivery,
    priority: j.policies.priority,
    run_at: j.runAt,
    dedupe_key: j.key,
    dedupe_lock: j.keyLock,
    trace_context: j.traceContext ?? null,
  };
}

/** Inserts `jobs` (keys distinct) in one statement; returns the tasks inserted. */
export async function enqueueStatement(
  ctx: SqlContext,
  jobs: readonly NewJob[],
  now: number | undefined,
): Promise<Task[]> {
  const rows = await preparedStatement(ctx, 'enqueue jobs', 'rookery_enqueue_jobs', enqueueSql(ctx.dialect.clockSql), [
    now ?? null,
    JSON.stringify(jobs.map(jobRecord)),
    ENQUEUED_REASON,
  ]);
  const byId = new Map(jobs.map((j) => [j.id, j]));
  return rows.flatMap((r) => {
    const job = byId.get(String(r['id']));
    // The job's objects are this call's own (the client built them for it): shared, not copied.
    return job ? [jobTask(job, num(r['created_at']), false)] : [];
  });
}
