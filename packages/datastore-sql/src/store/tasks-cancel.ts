import type { Task } from '@rookery/core';
import type { SqlContext } from './sql-context.js';
import { insertEvents, readTasks, ungateAtEnd } from './task-effects.js';

/**
 * Asks for a task to be cancelled, in one transaction: a pending task becomes `cancelled` at
 * once (conditional on state pending; its schedule is ungated); a running one gets
 * `cancelRequested`, which its node sees on its next renewal. Terminal tasks are left alone.
 */
export async function taskRequestCancel(
  ctx: SqlContext,
  p: { taskId: string; reason: string; now?: number },
): Promise<Task | undefined> {
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
        'UPDATE rookery_tasks SET cancel_requested = 1, version = version + 1, updated_at = :now' +
          " WHERE id = :id AND state = 'running'",
        { id: p.taskId, now },
        tx,
      );
    }
    const [task] = await readTasks(ctx, [p.taskId], tx);
    if (task && cancelled > 0) {
      await ungateAtEnd(ctx, tx, task.scheduleId, task.id, now);
      await insertEvents(ctx, tx, [
        { taskId: task.id, at: now, from: 'pending', to: 'cancelled', nodeId: null, reason: p.reason, fence: task.fence },
      ]);
    }
    return task;
  });
}
