import { isTerminalTaskState, type Task, type TaskFinishParams, type TaskOutcome } from '@rookery/core';
import type { SqlContext } from './sql-context.js';
import { insertEvents, readTasks, releaseSlot, takesRunSlot, ungateAtEnd } from './task-effects.js';

/** The column values an outcome writes. */
function outcomeValues(o: TaskOutcome): { result: string | null; error: string | null; failed: number; dueAt: number | null } {
  switch (o.state) {
    case 'completed':
      return { result: o.result === null ? null : JSON.stringify(o.result), error: null, failed: 0, dueAt: null };
    case 'failed':
      return { result: null, error: o.error, failed: 1, dueAt: null };
    case 'cancelled':
      return { result: null, error: o.error, failed: 0, dueAt: null };
    case 'abandoned':
      return { result: null, error: null, failed: 0, dueAt: null };
    case 'pending':
      return { result: null, error: o.error, failed: o.countFailure ? 1 : 0, dueAt: o.dueAt };
  }
}

/**
 * Commits an attempt's outcome in one transaction: the conditional UPDATE on (owner, fence,
 * unexpired lease, state running) comes first; if it matches nothing the lease is lost and
 * nothing is written. A task handed back to `pending` forgets its external execution. Then the run slot of a `skip` or `replace` task is released, a terminal state
 * ungates a schedule that waits for this task, and the transition is recorded.
 */
export async function taskFinish(ctx: SqlContext, p: TaskFinishParams): Promise<Task | undefined> {
  const v = outcomeValues(p.outcome);
  return ctx.transaction('finish task', async (tx) => {
    const now = await ctx.now(p.now, tx);
    const changed = await ctx.write(
      'UPDATE rookery_tasks SET state = :state, result = :result, error = :error, reason = :reason,' +
        ' failures = failures + :failed, due_at = COALESCE(:dueAt, due_at), ended_at = :now,' +
        ' lease_owner = NULL, lease_expires_at = NULL, version = version + 1, updated_at = :now,' +
        ' execution_id = CASE WHEN :state = \'pending\' THEN NULL ELSE execution_id END' +
        " WHERE id = :id AND lease_owner = :owner AND fence = :fence AND state = 'running' AND lease_expires_at > :now",
      {
        id: p.taskId,
        owner: p.owner,
        fence: p.fence,
        now,
        state: p.outcome.state,
        reason: p.outcome.reason,
        ...v,
      },
      tx,
    );
    if (changed === 0) return undefined;
    const [task] = await readTasks(ctx, [p.taskId], tx);
    if (!task) return undefined;
    // Only `skip` and `replace` tasks take a run slot, and only gated task creation (`on-start`,
    // `on-end`, `after-run`) gates a schedule: most finishes need neither statement.
    if (takesRunSlot(task.policies.duplicate)) await releaseSlot(ctx, tx, task.scheduleId, task.id, now);
    if (isTerminalTaskState(task.state) && task.policies.taskCreation !== 'ahead') {
      await ungateAtEnd(ctx, tx, task.scheduleId, task.id, now);
    }
    await insertEvents(ctx, tx, [
      { taskId: task.id, at: now, from: 'running', to: task.state, nodeId: p.nodeId, reason: task.reason, fence: task.fence },
    ]);
    return task;
  });
}
