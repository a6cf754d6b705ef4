import { MISSED_DEADLINE_REASON, type Task, type TaskFinishAndClaimParams } from '@rookery/core';
import { taskFromRow } from '../../store/row-mapping.js';
import type { SqlContext } from '../../store/sql-context.js';
import type { FastClaimResult } from '../fast-paths.js';
import { preparedStatement } from './prepared-statement.js';
import { clockCte } from './statement-sql.js';
import { CLAIM_PARAMS, claimAnswer, claimCtes, claimEventRows, readClaimAnswer } from './tasks-claim-statement.js';
import { finishColumns, finishCtes, finishEventRows } from './tasks-finish-statement.js';

/**
 * The one-statement finish and the one-statement claim as one statement, on one clock: the
 * claim's CTEs cannot see what the finish's write in the same statement (a task made pending
 * again waits for the next claim), and the two write disjoint rows (the finish running tasks
 * and the schedules gated on them, the claim pending tasks and the schedules gated on those).
 * The claim's parameters sit where the claim statement has them; the commits' columns follow
 * from `$8`.
 */
const finishAndClaimSql = (clockSql: string): string => `
${clockCte(clockSql, true)},
${finishCtes(8)},
${claimCtes(CLAIM_PARAMS)},
events AS (
  INSERT INTO rookery_task_events (task_id, at, from_state, to_state, node_id, reason, fence)
  ${finishEventRows()}
  UNION ALL ${claimEventRows(CLAIM_PARAMS)})
${claimAnswer(" UNION ALL SELECT 'finished', done.* FROM done")}`;

/**
 * Runs the combined statement: answers the tasks the finish wrote (by id; the rest are left to
 * the general finish, as `finishTasks` leaves them) and what the claim did (its leftover to
 * the general claim, as `claimTasks` leaves it).
 */
export async function finishAndClaimStatement(
  ctx: SqlContext,
  p: TaskFinishAndClaimParams,
): Promise<{ finished: Map<string, Task>; claimed: FastClaimResult }> {
  const c = p.claim;
  const what = `finish ${p.finishes.length} task(s) and claim due tasks`;
  const rows = await preparedStatement(ctx, what, 'rookery_finish_claim', finishAndClaimSql(ctx.dialect.clockSql), [
    p.now ?? null,
    c.executors,
    c.limit,
    c.owner,
    c.leaseMs,
    c.nodeId,
    MISSED_DEADLINE_REASON,
    ...finishColumns(p.finishes),
  ]);
  const finished = new Map(
    rows.filter((r) => r['claim_kind'] === 'finished').map((r) => [String(r['id']), taskFromRow(r)]),
  );
  return { finished, claimed: readClaimAnswer(rows) };
}
