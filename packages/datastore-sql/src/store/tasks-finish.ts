import { isTerminalTaskState, type Task, type TaskFinishManyParams, type TaskFinishParams, type TaskOutcome } from '@rookery/core';
import { num, numOrNull } from './row-mapping.js';
import type { SqlContext } from './sql-context.js';
import { insertEvents, releaseSlot, takesRunSlot, ungateAtEnd, updateTasksReturning } from './task-effects.js';

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

/** Commits one attempt's outcome: {@link taskFinishMany} of one. */
export async function taskFinish(ctx: SqlContext, p: TaskFinishParams): Promise<Task | undefined> {
  const { now, ...finish } = p;
  const [task] = await taskFinishMany(ctx, { finishes: [finish], ...(now !== undefined ? { now } : {}) });
  return task;
}

/**
 * Commits attempts' outcomes in one transaction. The tasks' rows are read and locked first (in
 * id order, so concurrent batches queue rather than deadlock); a commit whose (owner, fence,
 * unexpired lease, state running) no longer holds writes nothing and is answered undefined.
 * The held ones (locked, so still held) are written by primary key with one UPDATE per distinct outcome (a batch of successes with no
 * result is one statement); a task handed back to `pending` forgets its external execution.
 * Then the run slot of a `skip`, `replace` or `queue` task is released, a terminal state
 * ungates a schedule that waits for the task, and every transition is recorded in one INSERT.
 */
export async function taskFinishMany(ctx: SqlContext, p: TaskFinishManyParams): Promise<(Task | undefined)[]> {
  if (p.finishes.length === 0) return [];
  const d = ctx.dialect;
  return ctx.transaction(p.finishes.length === 1 ? 'finish task' : `finish ${p.finishes.length} tasks`, async (tx) => {
    const now = await ctx.now(p.now, tx);
    const rows = await ctx.select(
      `SELECT id, lease_owner, fence, state, lease_expires_at FROM rookery_tasks${d.lockTableHint} WHERE id IN (:ids) ORDER BY id${d.lockSuffix}`,
      { ids: p.finishes.map((f) => f.taskId) },
      tx,
    );
    const current = new Map(rows.map((r) => [String(r['id']), r]));
    const groups = new Map<string, { ids: string[]; values: Record<string, unknown> }>();
    const held = new Set<string>();
    const heldListings = new Set<number>();
    for (const [i, f] of p.finishes.entries()) {
      const r = current.get(f.taskId);
      const holds =
        r !== undefined && !held.has(f.taskId) && r['lease_owner'] === f.owner && num(r['fence']) === f.fence &&
        r['state'] === 'running' && (numOrNull(r['lease_expires_at']) ?? 0) > now;
      if (!holds) continue;
      held.add(f.taskId);
      heldListings.add(i);
      const values = { state: f.outcome.state, reason: f.outcome.reason, ...outcomeValues(f.outcome) };
      const key = JSON.stringify(values);
      const group = groups.get(key) ?? { ids: [] as string[], values };
      group.ids.push(f.taskId);
      groups.set(key, group);
    }
    const tasks: Task[] = [];
    for (const { ids, values } of groups.values()) {
      const update =
        'UPDATE rookery_tasks SET state = :state, result = :result, error = :error, reason = :reason,' +
        ' failures = failures + :failed, due_at = COALESCE(:dueAt, due_at), ended_at = :now,' +
        ' lease_owner = NULL, lease_expires_at = NULL, version = version + 1, updated_at = :now,' +
        " execution_id = CASE WHEN :state = 'pending' THEN NULL ELSE execution_id END" +
        ' WHERE id IN (:ids)';
      tasks.push(...(await updateTasksReturning(ctx, tx, update, { ids, now, ...values }, ids)));
    }
    const nodeOf = new Map(p.finishes.map((f) => [f.taskId, f.nodeId]));
    for (const task of tasks) {
      // Only `skip`, `replace` and `queue` tasks take a run slot, and only gated task creation
      // (`on-start`, `on-end`, `after-run`) gates a schedule: most finishes need neither statement.
      if (takesRunSlot(task.policies.duplicate)) await releaseSlot(ctx, tx, task.scheduleId, task.id, now);
      if (isTerminalTaskState(task.state) && task.policies.taskCreation !== 'ahead') await ungateAtEnd(ctx, tx, task.scheduleId, task.id, now);
    }
    await insertEvents(
      ctx,
      tx,
      tasks.map((task) => ({ taskId: task.id, at: now, from: 'running', to: task.state, nodeId: nodeOf.get(task.id) ?? null, reason: task.reason, fence: task.fence })),
    );
    const byId = new Map(tasks.map((t) => [t.id, t]));
    // A task listed twice is committed once, for the first listing that holds it.
    return p.finishes.map((f, i) => (heldListings.has(i) ? byId.get(f.taskId) : undefined));
  });
}
