import type { Task, TaskCancelRequest, TaskCancelRequestsParams, TaskRequestCancelParams } from '@rookery/core';
import type { SqlContext } from './sql-context.js';
import { markOnceSchedulesDone } from './schedules-done.js';
import { insertEvents, readTasks, ungateAtEnd } from './task-effects.js';

/**
 * Asks for a task to be cancelled, in one transaction: a pending task becomes `cancelled` at
 * once (conditional on state pending; its schedule is ungated, and a `once` one is done); a running one gets
 * `cancelRequested` and the reason, which its node sees on its next renewal or cancel check. Terminal tasks are left alone.
 */
export async function taskRequestCancel(ctx: SqlContext, p: TaskRequestCancelParams): Promise<Task | undefined> {
  return ctx.transaction('cancel task', async (tx) => {
    const now = await ctx.now(p.now, tx);
    const cancelled = await ctx.write(
      "UPDATE rookery_tasks SET state = 'cancelled', cancel_requested = 1, ended_at = :now, reason = :reason," +
        " version = version + 1, updated_at = :now WHERE id = :id AND state = 'pending'",
      { id: p.taskId, reason: p.reason, now },
      tx,
    );
    if (cancelled === 0) {
      await ctx.write(
        'UPDATE rookery_tasks SET cancel_requested = 1, reason = :reason, version = version + 1, updated_at = :now' +
          " WHERE id = :id AND state = 'running'",
        { id: p.taskId, reason: p.reason, now },
        tx,
      );
    }
    const [task] = await readTasks(ctx, [p.taskId], tx);
    if (task && cancelled > 0) {
      await ungateAtEnd(ctx, tx, task.scheduleId, task.id, now);
      await markOnceSchedulesDone(ctx, tx, [task.scheduleId], now);
      await insertEvents(ctx, tx, [
        {
          taskId: task.id,
          at: now,
          from: 'pending',
          to: 'cancelled',
          nodeId: null,
          reason: p.reason,
          fence: task.fence,
        },
      ]);
    }
    return task;
  });
}

/**
 * The node's quick cancel check: which of `taskIds`, running under `owner`'s lease, carry a
 * cancel request. One SELECT by primary key; writes nothing.
 */
export async function taskCancelRequests(ctx: SqlContext, p: TaskCancelRequestsParams): Promise<TaskCancelRequest[]> {
  if (p.taskIds.length === 0) return [];
  const rows = await ctx.single('check cancel requests', () =>
    ctx.select(
      "SELECT id, reason FROM rookery_tasks WHERE id IN (:ids) AND lease_owner = :owner AND state = 'running' AND cancel_requested = 1",
      { ids: p.taskIds, owner: p.owner },
    ),
  );
  return rows.map((r) => ({
    taskId: String(r['id']),
    reason: r['reason'] === null || r['reason'] === undefined ? null : String(r['reason']),
  }));
}
