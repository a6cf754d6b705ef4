import { repairReason, type RepairedTask, type TaskRepairExpiredParams, type TaskState } from '@rookery/core';
import { num } from './row-mapping.js';
import type { SqlContext } from './sql-context.js';
import { markOnceSchedulesDone } from './schedules-done.js';
import { insertEvents, readTasks, releaseSlot, ungateAtEnd, type EventRow } from './task-effects.js';
import { leaseExpired } from './lease-sql.js';

/**
 * Repairs running tasks whose lease expired by the database clock (a NULL expiry counts as
 * expired: a lease that was never set must not keep a task forever). One conditional UPDATE
 * per task on (state running, fence, expired), fence + 1 so the old holder can never write
 * again: `at-least-once` tasks return to `pending` due now, `at-most-once` tasks become
 * `abandoned`. Run slots are released and terminal tasks ungate their schedule (and end a `once` one). Tasks with an
 * external execution are left to `taskAdoptExpired`.
 */
export async function taskRepairExpired(ctx: SqlContext, p: TaskRepairExpiredParams): Promise<RepairedTask[]> {
  if (p.limit <= 0) return [];
  const d = ctx.dialect;
  return ctx.transaction('repair expired tasks', async (tx) => {
    const now = await ctx.now(p.now, tx);
    const rows = await ctx.select(
      `SELECT id, delivery, lease_owner, fence, repairs, cancel_requested, reason FROM rookery_tasks${d.claimTableHint('rookery_tasks_repair')}` +
        ` WHERE state = 'running' AND ${leaseExpired()} AND execution_id IS NULL ORDER BY lease_expires_at${d.limitClause()}${d.claimLockSuffix}`,
      { now, limit: p.limit },
      tx,
    );
    const owners = new Map<string, string | null>();
    const events: EventRow[] = [];
    for (const row of rows) {
      const id = String(row['id']);
      const owner = row['lease_owner'] === null ? null : String(row['lease_owner']);
      const fence = num(row['fence']);
      const repairs = num(row['repairs']) + 1;
      const to: TaskState =
        num(row['cancel_requested']) !== 0
          ? 'cancelled'
          : row['delivery'] === 'at-most-once'
            ? 'abandoned'
            : repairs >= p.maxRepairs
              ? 'failed'
              : 'pending';
      const reason = repairReason(
        to,
        owner,
        repairs,
        to === 'cancelled' && row['reason'] != null ? String(row['reason']) : null,
      );
      const changed = await ctx.write(
        'UPDATE rookery_tasks SET state = :to, fence = fence + 1, repairs = repairs + 1, version = version + 1, lease_owner = NULL,' +
          ' lease_expires_at = NULL, due_at = COALESCE(:dueAt, due_at),' +
          ' ended_at = :now, reason = :reason, updated_at = :now' +
          ` WHERE id = :id AND state = 'running' AND fence = :fence AND ${leaseExpired()} AND execution_id IS NULL`,
        { id, to, fence, now, reason, dueAt: to === 'pending' ? now : null },
        tx,
      );
      if (changed === 0) continue;
      owners.set(id, owner);
      events.push({ taskId: id, at: now, from: 'running', to, nodeId: p.nodeId, reason, fence });
    }
    const tasks = await readTasks(ctx, [...owners.keys()], tx);
    for (const t of tasks) {
      await releaseSlot(ctx, tx, t.scheduleId, t.id, now);
      if (t.state !== 'pending') await ungateAtEnd(ctx, tx, t.scheduleId, t.id, now);
    }
    await markOnceSchedulesDone(
      ctx,
      tx,
      tasks.filter((t) => t.state !== 'pending').map((t) => t.scheduleId),
      now,
    );
    await insertEvents(ctx, tx, events);
    return tasks.map((task) => ({ task, previousOwner: owners.get(task.id) ?? null }));
  });
}
