import type { TaskRenewLeasesParams, TaskRenewLeasesResult } from '@rookery/core';
import { num } from './row-mapping.js';
import type { Replacements, SqlContext } from './sql-context.js';
import { readExecutionReports } from './tasks-execution.js';
import { leaseHeld, leaseWritten } from './lease-sql.js';

/**
 * Renews an owner's leases in one conditional UPDATE on (owner, fence, unexpired lease, state
 * running), read back with RETURNING where supported or by the new expiry in the same
 * transaction, then extends the run slots the renewed tasks hold and reads the reported
 * outcomes of their external executions (a statement only when one has an execution).
 */
export async function taskRenewLeases(ctx: SqlContext, p: TaskRenewLeasesParams): Promise<TaskRenewLeasesResult> {
  return ctx.transaction('renew task leases', async (tx) => {
    const now = await ctx.now(p.now, tx);
    const expires = now + p.leaseMs;
    if (p.leases.length === 0)
      return { renewed: [], lost: [], cancelRequested: [], executionReports: [], expiresAt: expires };

    // The rows are locked in id order first, as a finish locks them: a renewal and a finish of
    // the same node's tasks then queue behind each other instead of deadlocking (PostgreSQL
    // detects that only after its deadlock_timeout, 1 s, and one of them starts over).
    // SQLite's one writer needs no row locks.
    const d = ctx.dialect;
    if (!d.singleWriter)
      await ctx.select(
        `SELECT id FROM rookery_tasks${d.lockTableHint} WHERE id IN (:ids) ORDER BY id${d.lockSuffix}`,
        { ids: p.leases.map((l) => l.taskId) },
        tx,
      );
    const r: Replacements = { owner: p.owner, now, expires };
    const pairs = p.leases
      .map((lease, i) => {
        r[`id${i}`] = lease.taskId;
        r[`fence${i}`] = lease.fence;
        return `(id = :id${i} AND fence = :fence${i})`;
      })
      .join(' OR ');
    const update =
      'UPDATE rookery_tasks SET lease_expires_at = :expires, version = version + 1, updated_at = :now' +
      ` WHERE ${leaseHeld()} AND state = 'running' AND (${pairs})`;
    let rows;
    if (ctx.dialect.supportsReturning) {
      rows = await ctx.select(`${update} RETURNING id, schedule_id, cancel_requested, execution_id`, r, tx);
    } else {
      await ctx.write(update, r, tx);
      rows = await ctx.select(
        'SELECT id, schedule_id, cancel_requested, execution_id FROM rookery_tasks' +
          ` WHERE ${leaseWritten()} AND state = 'running' AND (${pairs})`,
        r,
        tx,
      );
    }
    const renewed = new Set(rows.map((row) => String(row['id'])));
    if (renewed.size > 0) {
      await ctx.write(
        'UPDATE rookery_schedules SET slot_expires_at = :expires, version = version + 1' +
          ' WHERE id IN (:scheduleIds) AND slot_task_id IN (:taskIds)',
        { expires, scheduleIds: [...new Set(rows.map((row) => String(row['schedule_id'])))], taskIds: [...renewed] },
        tx,
      );
    }
    const requested = new Set(rows.filter((row) => num(row['cancel_requested']) !== 0).map((row) => String(row['id'])));
    const executionReports = await readExecutionReports(
      ctx,
      rows.map((row) => ({
        id: String(row['id']),
        executionId: row['execution_id'] == null ? null : String(row['execution_id']),
      })),
      tx,
    );
    const ids = p.leases.map((l) => l.taskId);
    return {
      renewed: ids.filter((id) => renewed.has(id)),
      lost: ids.filter((id) => !renewed.has(id)),
      cancelRequested: ids.filter((id) => requested.has(id)),
      executionReports,
      expiresAt: expires,
    };
  });
}
