import { MISSED_DEADLINE_REASON, type Task, type TaskClaimDueParams } from '@rookery/core';
import { num, taskFromRow } from '../../store/row-mapping.js';
import type { Row, SqlContext } from '../../store/sql-context.js';
import { clockCte, ungateAtEndCte } from './statement-sql.js';
import type { FastClaimResult } from '../fast-paths.js';
import { preparedStatement } from './prepared-statement.js';

/**
 * The claim as one statement (writable CTEs): the database clock is read once; pending tasks
 * past their starting deadline become `missed` and ungate a schedule waiting for them; the due
 * candidates (highest priority, then earliest due, rows locked by a concurrent claim skipped;
 * `levels` finds each offered executor's priority levels among its pending tasks, one descent
 * of the executor claim index each, and each level's due rows are a range of that index which
 * ends at the first row not yet due, so neither pending tasks of executors the node does not
 * offer nor tasks due later are visited)
 * of duplicate policy `run` whose executor has no rate limit are started (fence + 1,
 * attempt + 1, lease) and ungate an `on-start` schedule; every transition is recorded. The
 * statement is its own transaction, so a claim is one round trip. Exported for the plan tests.
 */
export const claimSql = (clockSql: string): string => `
${clockCte(clockSql, true)},
${claimCtes(CLAIM_PARAMS)},
events AS (
  INSERT INTO rookery_task_events (task_id, at, from_state, to_state, node_id, reason, fence)
  ${claimEventRows(CLAIM_PARAMS)})
${claimAnswer('')}`;

/** The placeholders of a claim's parameters in a statement (its `now` is the clock CTE's `$1`). */
export interface ClaimPlaceholders {
  /** The executors (`text[]`). */
  executors: string;
  /** The limit. */
  limit: string;
  /** The lease owner. */
  owner: string;
  /** The lease length, ms. */
  leaseMs: string;
  /** The node id. */
  nodeId: string;
  /** The reason of a missed task. */
  missedReason: string;
}

/** The claim statement's own placeholders. */
export const CLAIM_PARAMS: ClaimPlaceholders = {
  executors: '$2',
  limit: '$3',
  owner: '$4',
  leaseMs: '$5',
  nodeId: '$6',
  missedReason: '$7',
};

/**
 * The claim's CTEs after \`clock\`: \`late\` (tasks past their deadline, now missed),
 * \`candidates\`, \`started\` and the schedules they ungate. Its ledger rows are
 * {@link claimEventRows}; {@link claimAnswer} reads what it did.
 */
export function claimCtes(p: ClaimPlaceholders): string {
  return `late AS (
  UPDATE rookery_tasks t SET state = 'missed', ended_at = c.now, reason = ${p.missedReason}::text, version = t.version + 1, updated_at = c.now
  FROM clock c
  WHERE t.id = ANY(ARRAY(
    SELECT id FROM rookery_tasks WHERE state = 'pending' AND deadline_at < (SELECT now FROM clock)
    ORDER BY deadline_at LIMIT ${p.limit}::int FOR UPDATE SKIP LOCKED))
  RETURNING t.*),
limited AS (SELECT executor FROM rookery_rate_limits WHERE executor = ANY(${p.executors}::text[])),
levels AS (
  SELECT e.name AS executor, (SELECT priority FROM rookery_tasks WHERE state = 'pending' AND executor = e.name
    ORDER BY priority DESC LIMIT 1) AS priority
  FROM (SELECT DISTINCT unnest(${p.executors}::text[]) AS name) e
  UNION ALL
  SELECT l.executor, (SELECT priority FROM rookery_tasks WHERE state = 'pending' AND executor = l.executor
    AND priority < l.priority ORDER BY priority DESC LIMIT 1)
  FROM levels l WHERE l.priority IS NOT NULL),
candidates AS (
  SELECT c.id, c.duplicate_policy, c.executor FROM levels l
  CROSS JOIN LATERAL (
    SELECT id, duplicate_policy, executor, priority, due_at FROM rookery_tasks
    WHERE state = 'pending' AND executor = l.executor AND priority = l.priority AND due_at <= (SELECT now FROM clock)
      AND (deadline_at IS NULL OR deadline_at >= (SELECT now FROM clock))
    ORDER BY due_at LIMIT ${p.limit}::int FOR UPDATE SKIP LOCKED) c
  ORDER BY c.priority DESC, c.due_at LIMIT ${p.limit}::int),
started AS (
  UPDATE rookery_tasks t SET state = 'running', fence = t.fence + 1, attempt = t.attempt + 1, version = t.version + 1,
    lease_owner = ${p.owner}::text, lease_expires_at = c.now + ${p.leaseMs}::bigint, node_id = ${p.nodeId}::text, started_at = c.now, updated_at = c.now
  FROM clock c
  WHERE t.id = ANY(ARRAY(SELECT id FROM candidates WHERE duplicate_policy = 'run' AND executor NOT IN (SELECT executor FROM limited)))
  RETURNING t.*),
ungated_at_start AS (
  UPDATE rookery_schedules s SET gate_task_id = NULL, gate_release = NULL, version = s.version + 1, updated_at = c.now
  FROM clock c
  WHERE s.id = ANY(ARRAY(SELECT schedule_id FROM started)) AND s.gate_task_id = ANY(ARRAY(SELECT id FROM started))
    AND s.gate_release = 'start'),
${ungateAtEndCte('ungated_at_end', 'late')}`;
}

/** The ledger rows of {@link claimCtes}' transitions, as a SELECT for an INSERT into the task events. */
export function claimEventRows(p: ClaimPlaceholders): string {
  return `SELECT id, started_at, 'pending', 'running', ${p.nodeId}::text, NULL, fence FROM started
  UNION ALL SELECT id, ended_at, 'pending', 'missed', ${p.nodeId}::text, reason, fence FROM late`;
}

/**
 * The statement's answer: one row per task \`started\` or \`missed\` (and of \`more\`, a
 * \`UNION ALL\` of further rows of the task columns with their kind first), each carrying the
 * count of candidates, or a single row of that count alone when no task came back.
 */
export function claimAnswer(more: string): string {
  return `SELECT n.candidates AS claim_candidates, r.* FROM (SELECT count(*) AS candidates FROM candidates) n
LEFT JOIN (SELECT 'started' AS claim_kind, started.* FROM started UNION ALL SELECT 'missed', late.* FROM late${more}) r ON true`;
}

/** What the claim's answer rows say: the tasks started and missed, and the candidates it left over. */
export function readClaimAnswer(rows: readonly Row[]): FastClaimResult {
  const started: Task[] = [];
  const missed: Task[] = [];
  for (const r of rows) {
    if (r['claim_kind'] === 'started') started.push(taskFromRow(r));
    else if (r['claim_kind'] === 'missed') missed.push(taskFromRow(r));
  }
  // Candidates come back in no particular order: start them by priority, then due time.
  started.sort((a, b) => b.policies.priority - a.policies.priority || a.dueAt - b.dueAt);
  return { started, missed, leftOver: num(rows[0]?.['claim_candidates'] ?? 0) - started.length };
}

/**
 * Runs the one-statement claim. What it leaves over, the
 * general claim takes in a transaction of its own.
 */
export async function claimStatement(ctx: SqlContext, p: TaskClaimDueParams): Promise<FastClaimResult> {
  const rows = await preparedStatement(ctx, 'claim due tasks', 'rookery_claim', claimSql(ctx.dialect.clockSql), [
    p.now ?? null,
    p.executors,
    p.limit,
    p.owner,
    p.leaseMs,
    p.nodeId,
    MISSED_DEADLINE_REASON,
  ]);
  return readClaimAnswer(rows);
}
