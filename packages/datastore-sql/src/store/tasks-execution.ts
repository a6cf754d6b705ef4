import {
  DuplicateKeyError,
  type ExecutionReport,
  type ReportedStatus,
  type Task,
  type TaskHandOverParams,
  type TaskReportExecutionParams,
  type TaskSetExecutionParams,
} from '@rookery/core';
import { str, toJsonText } from './row-mapping.js';
import type { SqlContext, Tx } from './sql-context.js';
import { readTasks } from './task-effects.js';
import { leaseHeld } from './lease-sql.js';

/**
 * Records a running attempt's external execution: one conditional UPDATE on (owner, fence,
 * unexpired lease, state running), then the report of any earlier execution of the task is
 * deleted in the same transaction. False when the lease was lost (nothing written).
 */
export async function taskSetExecution(ctx: SqlContext, p: TaskSetExecutionParams): Promise<boolean> {
  return ctx.transaction('record external execution', async (tx) => {
    const now = await ctx.now(p.now, tx);
    const changed = await ctx.write(
      'UPDATE rookery_tasks SET execution_id = :executionId, version = version + 1, updated_at = :now' +
        ` WHERE id = :id AND ${leaseHeld({ fence: ':fence' })} AND state = 'running'`,
      { id: p.taskId, owner: p.owner, fence: p.fence, executionId: p.executionId, now },
      tx,
    );
    if (changed === 0) return false;
    await ctx.write('DELETE FROM rookery_execution_reports WHERE task_id = :id', { id: p.taskId }, tx);
    return true;
  });
}

/**
 * Hands a running task's external execution over to adoption: one conditional UPDATE on
 * (owner, fence, unexpired lease, state running, execution id set) that sets the lease's
 * expiry to now. False when the lease was lost (nothing written).
 */
export async function taskHandOver(ctx: SqlContext, p: TaskHandOverParams): Promise<boolean> {
  return ctx.transaction('hand over external execution', async (tx) => {
    const now = await ctx.now(p.now, tx);
    const changed = await ctx.write(
      'UPDATE rookery_tasks SET lease_expires_at = :now, version = version + 1, updated_at = :now' +
        ` WHERE id = :id AND ${leaseHeld({ fence: ':fence' })} AND state = 'running'` +
        ' AND execution_id IS NOT NULL',
      { id: p.taskId, owner: p.owner, fence: p.fence, now },
      tx,
    );
    return changed > 0;
  });
}

/**
 * Stores a reported outcome: one INSERT … SELECT that inserts only while the task is running
 * with `execution_id` equal to the report's and has no report yet. A concurrent report that
 * wins the primary key makes this one a refusal too. Returns the task, or undefined when
 * refused.
 */
export async function taskReportExecution(ctx: SqlContext, p: TaskReportExecutionParams): Promise<Task | undefined> {
  try {
    return await ctx.transaction('report external execution', async (tx) => {
      const now = await ctx.now(p.now, tx);
      const inserted = await ctx.write(
        'INSERT INTO rookery_execution_reports (task_id, execution_id, status, reported_at)' +
          ' SELECT id, execution_id, :status, :now FROM rookery_tasks' +
          " WHERE id = :id AND state = 'running' AND execution_id = :executionId" +
          ' AND NOT EXISTS (SELECT 1 FROM rookery_execution_reports WHERE task_id = :id)',
        { id: p.taskId, executionId: p.executionId, status: toJsonText(p.status), now },
        tx,
      );
      if (inserted === 0) return undefined;
      const [task] = await readTasks(ctx, [p.taskId], tx);
      return task;
    });
  } catch (error) {
    // Two reports raced for the one row of the task: the other one was stored.
    if (error instanceof DuplicateKeyError) return undefined;
    throw error;
  }
}

/**
 * Reads the stored reports of `tasks` that concern each task's current execution (tasks
 * without an execution id cost no statement).
 */
export async function readExecutionReports(
  ctx: SqlContext,
  tasks: readonly { id: string; executionId: string | null }[],
  tx: Tx,
): Promise<ExecutionReport[]> {
  const current = new Map(tasks.flatMap((t) => (t.executionId === null ? [] : [[t.id, t.executionId] as const])));
  if (current.size === 0) return [];
  const rows = await ctx.select(
    'SELECT task_id, execution_id, status FROM rookery_execution_reports WHERE task_id IN (:ids)',
    { ids: [...current.keys()] },
    tx,
  );
  return rows.flatMap((r) => {
    const taskId = String(r['task_id']);
    const executionId = str(r['execution_id']);
    if (current.get(taskId) !== executionId) return [];
    return [{ taskId, executionId, status: JSON.parse(str(r['status'])) as ReportedStatus }];
  });
}
