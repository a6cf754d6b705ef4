import type { TaskFinishManyParams, Task } from '@rookery/core';
import { taskFromRow } from '../../store/row-mapping.js';
import type { SqlContext } from '../../store/sql-context.js';
import { clockCte, ungateAtEndCte } from './statement-sql.js';
import { outcomeValues } from '../../store/outcome-values.js';
import { leaseHeld } from '../../store/lease-sql.js';
import { preparedStatement } from './prepared-statement.js';

/**
 * Finishing as one statement (writable CTEs): each listed commit of a task with duplicate
 * policy `run` whose (owner, fence, unexpired lease, state running) still holds is written; a
 * terminal outcome ungates a schedule that waits for the task (an `after-run` schedule's next
 * fire time becomes now + its delay); every transition is recorded. The commits travel as
 * parallel arrays, so a batch of any size is one statement and one round trip. The rows are
 * found by primary key only (`IS NOT DISTINCT FROM` keeps the state test off the indexes that
 * start with `state`). Exported for the plan tests.
 */
export const finishSql = (clockSql: string): string => `
${clockCte(clockSql)},
${finishCtes(2)},
events AS (
  INSERT INTO rookery_task_events (task_id, at, from_state, to_state, node_id, reason, fence)
  ${finishEventRows()})
SELECT * FROM done`;

/**
 * The SQL types of the parameters {@link finishCtes} takes, in order: the commits' columns
 * (id, fence, owner, state, result, error, reason, failed, due_at, node_id) as parallel arrays.
 */
export const FINISH_COLUMN_TYPES = ['text', 'bigint', 'text', 'text', 'text', 'text', 'text', 'int', 'bigint', 'text'];

/**
 * The finish's CTEs after \`clock\`, its commits' columns in the {@link FINISH_COLUMN_TYPES}
 * parameters from \`$first\`: \`commits\`, \`locked\` (the rows locked in id order, as the
 * node's renewal locks them, so that the two never wait for each other in a cycle), \`done\`
 * (the tasks written, as stored), and the schedules their end ungates. Its ledger rows are
 * {@link finishEventRows}.
 */
export function finishCtes(first: number): string {
  const $ = (i: number): string => `$${first + i}`;
  return `commits AS (
  SELECT * FROM unnest(${FINISH_COLUMN_TYPES.map((type, i) => `${$(i)}::${type}[]`).join(', ')})
    AS v(id, fence, owner, state, result, error, reason, failed, due_at, node_id)),
locked AS (SELECT id FROM rookery_tasks WHERE id = ANY(${$(0)}::text[]) ORDER BY id FOR UPDATE),
done AS (
  UPDATE rookery_tasks t SET state = v.state, result = v.result, error = v.error, reason = v.reason,
    failures = t.failures + v.failed, due_at = COALESCE(v.due_at, t.due_at), ended_at = c.now,
    lease_owner = NULL, lease_expires_at = NULL, version = t.version + 1, updated_at = c.now,
    execution_id = CASE WHEN v.state = 'pending' THEN NULL ELSE t.execution_id END
  FROM commits v, clock c
  WHERE t.id IN (SELECT id FROM locked) AND t.id = v.id AND ${leaseHeld({ owner: 'v.owner', fence: 'v.fence', now: 'c.now', table: 't' })}
    AND t.state IS NOT DISTINCT FROM 'running' AND t.duplicate_policy = 'run'
  RETURNING t.*),
ended AS (SELECT id, schedule_id FROM done WHERE state <> 'pending'),
${ungateAtEndCte('ungated', 'ended')}`;
}

/** The ledger rows of {@link finishCtes}' transitions, as a SELECT for an INSERT into the task events. */
export function finishEventRows(): string {
  return "SELECT d.id, d.ended_at, 'running', d.state, v.node_id, d.reason, d.fence FROM done d JOIN commits v ON v.id = d.id";
}

/** The commits' columns, the parameters of {@link finishCtes}. */
export function finishColumns(finishes: TaskFinishManyParams['finishes']): unknown[][] {
  const columns: unknown[][] = FINISH_COLUMN_TYPES.map(() => []);
  for (const f of finishes) {
    const v = outcomeValues(f.outcome);
    const row = [
      f.taskId,
      f.fence,
      f.owner,
      f.outcome.state,
      v.result,
      v.error,
      f.outcome.reason,
      v.failed,
      v.dueAt,
      f.nodeId,
    ];
    for (const [i, value] of row.entries()) columns[i]?.push(value);
  }
  return columns;
}

/**
 * Runs the one-statement finish for `finishes` (at most one per task) and returns the tasks it
 * wrote, by id. A commit it did not write (its lease no longer holds, or its duplicate policy
 * holds a run slot) is left to the general finish.
 */
export async function finishStatement(
  ctx: SqlContext,
  finishes: TaskFinishManyParams['finishes'],
  now: number | undefined,
): Promise<Map<string, Task>> {
  const columns = finishColumns(finishes);
  const what = finishes.length === 1 ? 'finish task' : `finish ${finishes.length} tasks`;
  const rows = await preparedStatement(ctx, what, 'rookery_finish', finishSql(ctx.dialect.clockSql), [
    now ?? null,
    ...columns,
  ]);
  return new Map(rows.map((r) => [String(r['id']), taskFromRow(r)]));
}
