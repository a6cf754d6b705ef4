import { adoptReason, type AdoptedTask, type TaskAdoptExpiredParams } from '@rookery/core';
import { num } from './row-mapping.js';
import type { SqlContext } from './sql-context.js';
import { insertEvents, readTasks, type EventRow } from './task-effects.js';
import { readExecutionReports } from './tasks-execution.js';
import { leaseExpired } from './lease-sql.js';

/**
 * Adopts running tasks of the caller's executors whose external execution outlived their
 * lease. A plain read first looks for any; only then does a transaction read the candidates
 * with the repair index (rows locked by a concurrent adoption are skipped where supported)
 * and take each by one conditional UPDATE on (state running, its fence, expired lease,
 * execution id set): fence + 1 and a fresh lease, the state and attempt unchanged. The run slot the task holds is extended, a running → running event recorded
 * under the new fence, and any stored report of the execution returned with the task.
 */
export async function taskAdoptExpired(ctx: SqlContext, p: TaskAdoptExpiredParams): Promise<AdoptedTask[]> {
  if (p.limit <= 0 || p.executors.length === 0) return [];
  const d = ctx.dialect;
  const candidates = (now: string, lock: string): string =>
    `SELECT id, lease_owner, fence, execution_id FROM rookery_tasks${d.claimTableHint('rookery_tasks_repair')}` +
    ` WHERE state = 'running' AND ${leaseExpired(now)} AND execution_id IS NOT NULL AND executor IN (:executors)` +
    ` ORDER BY lease_expires_at${d.limitClause()}${lock}`;
  // Almost always there is nothing to adopt: one plain read, on the database clock, says so
  // without a write transaction (on SQLite, without taking its one write lock every interval).
  const any = await ctx.single('find external executions to adopt', () =>
    ctx.select(candidates(p.now === undefined ? d.clockSql : ':now', ''), {
      now: p.now,
      limit: 1,
      executors: p.executors,
    }),
  );
  if (any.length === 0) return [];
  return ctx.transaction('adopt external executions', async (tx) => {
    const now = await ctx.now(p.now, tx);
    const expires = now + p.leaseMs;
    const rows = await ctx.select(
      candidates(':now', d.claimLockSuffix),
      { now, limit: p.limit, executors: p.executors },
      tx,
    );
    const owners = new Map<string, string | null>();
    const events: EventRow[] = [];
    for (const row of rows) {
      const id = String(row['id']);
      const owner = row['lease_owner'] === null ? null : String(row['lease_owner']);
      const fence = num(row['fence']);
      const reason = adoptReason(owner, String(row['execution_id']), p.nodeId);
      const changed = await ctx.write(
        'UPDATE rookery_tasks SET fence = fence + 1, version = version + 1, lease_owner = :owner, lease_expires_at = :expires,' +
          ' node_id = :nodeId, reason = :reason, updated_at = :now' +
          ` WHERE id = :id AND state = 'running' AND fence = :fence AND ${leaseExpired()} AND execution_id IS NOT NULL`,
        { id, fence, now, expires, reason, owner: p.owner, nodeId: p.nodeId },
        tx,
      );
      if (changed === 0) continue;
      owners.set(id, owner);
      events.push({ taskId: id, at: now, from: 'running', to: 'running', nodeId: p.nodeId, reason, fence: fence + 1 });
    }
    const tasks = await readTasks(ctx, [...owners.keys()], tx);
    if (tasks.length === 0) return [];
    await ctx.write(
      'UPDATE rookery_schedules SET slot_expires_at = :expires, version = version + 1' +
        ' WHERE id IN (:scheduleIds) AND slot_task_id IN (:taskIds)',
      { expires, scheduleIds: [...new Set(tasks.map((t) => t.scheduleId))], taskIds: tasks.map((t) => t.id) },
      tx,
    );
    await insertEvents(ctx, tx, events);
    const reports = new Map((await readExecutionReports(ctx, tasks, tx)).map((r) => [r.taskId, r.status]));
    return tasks.map((task) => ({
      task,
      previousOwner: owners.get(task.id) ?? null,
      report: reports.get(task.id) ?? null,
    }));
  });
}
