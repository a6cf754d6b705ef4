import type { Task, TaskEvent, TaskListParams } from '@rookery/core';
import { eventFromRow, taskFromRow } from './row-mapping.js';
import type { SqlContext } from './sql-context.js';
import { readTasks } from './task-effects.js';

/** Reads one task. */
export async function taskGet(ctx: SqlContext, id: string): Promise<Task | undefined> {
  return ctx.single('read task', async () => (await readTasks(ctx, [id]))[0]);
}

/**
 * Lists tasks, newest fire time first (then id), by schedule (the ledger index), states,
 * executor and jobs only, after a position (keyset paging: the indexes of migrations 10 and 15 keep a page's cost
 * flat however deep it lies).
 */
export async function taskList(ctx: SqlContext, p: TaskListParams = {}): Promise<Task[]> {
  if (p.states?.length === 0) return [];
  const where = [
    ...(p.scheduleId !== undefined ? ['schedule_id = :scheduleId'] : []),
    ...(p.states ? ['state IN (:states)'] : []),
    ...(p.executor !== undefined ? ['executor = :executor'] : []),
    // a job's row carries its own id as its schedule_id (migration 9)
    ...(p.jobsOnly === true ? ['schedule_id = id'] : []),
    // `fire_at <= f` bounds the index range; the OR alone would be a filter over every row above it
    ...(p.before !== undefined ? ['fire_at <= :beforeFireAt AND (fire_at < :beforeFireAt OR id < :beforeId)'] : []),
  ];
  const sql =
    `SELECT * FROM rookery_tasks${where.length ? ` WHERE ${where.join(' AND ')}` : ''}` +
    ` ORDER BY fire_at DESC, id DESC${ctx.dialect.limitClause()}`;
  return ctx.single('list tasks', async () => {
    const rows = await ctx.select(sql, {
      scheduleId: p.scheduleId ?? null,
      states: p.states ?? [],
      executor: p.executor ?? null,
      beforeFireAt: p.before?.fireAt ?? null,
      beforeId: p.before?.id ?? null,
      limit: p.limit ?? 100,
    });
    return rows.map(taskFromRow);
  });
}

/** A task's state transitions, oldest first. */
export async function taskEvents(ctx: SqlContext, taskId: string): Promise<TaskEvent[]> {
  return ctx.single('read task events', async () => {
    const rows = await ctx.select('SELECT * FROM rookery_task_events WHERE task_id = :taskId ORDER BY id', { taskId });
    return rows.map(eventFromRow);
  });
}
