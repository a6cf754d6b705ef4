import {
  manualTask,
  RETRYABLE_TASK_STATES,
  type ScheduleRunNowParams,
  type SchedulePruneDoneParams,
  type Task,
  type TaskRetryParams,
  type TaskRetryResult,
} from '@rookery/core';
import { scheduleFromRow, toJsonText } from './row-mapping.js';
import type { SqlContext, Tx } from './sql-context.js';
import { taskPolicyColumns } from './task-policy-columns.js';
import { insertEvents, readTasks } from './task-effects.js';

/** The columns of a task row an extra run writes (the rest keep their defaults). */
const RUN_COLUMNS = [
  'id',
  'schedule_id',
  'fire_at',
  'span_end_at',
  'span_count',
  'due_at',
  'deadline_at',
  'state',
  'attempt',
  'failures',
  'repairs',
  'fence',
  'version',
  'executor',
  'payload',
  'policies',
  'duplicate_policy',
  'delivery',
  'priority',
  'ended_at',
  'reason',
  'cancel_requested',
  'created_at',
  'updated_at',
  'origin',
] as const;

/** A new task's row values, in {@link RUN_COLUMNS} order. */
function runValues(t: Task): unknown[] {
  const p = taskPolicyColumns(t.policies);
  return [
    t.id,
    t.scheduleId,
    t.fireAt,
    t.spanEndAt,
    t.spanCount,
    t.dueAt,
    t.deadlineAt,
    t.state,
    0,
    0,
    0,
    0,
    0,
    t.executor,
    toJsonText(t.payload),
    p.policies,
    p.duplicate,
    p.delivery,
    p.priority,
    null,
    t.reason,
    0,
    t.createdAt,
    t.updatedAt,
    t.origin,
  ];
}

/**
 * Starts an extra occurrence of an active or paused schedule now (see
 * `Datastore.scheduleRunNow`): in one transaction, the schedule's row is read and locked, the
 * first millisecond from now free in its ledger is taken as the fire time, and the task and its
 * creation event are inserted.
 */
export async function scheduleRunNow(ctx: SqlContext, p: ScheduleRunNowParams): Promise<Task | undefined> {
  const d = ctx.dialect;
  return ctx.transaction('run schedule now', async (tx) => {
    const now = await ctx.now(p.now, tx);
    const rows = await ctx.select(
      `SELECT * FROM rookery_schedules${d.lockTableHint} WHERE id = :id${d.lockSuffix}`,
      { id: p.scheduleId },
      tx,
    );
    const schedule = rows[0] ? scheduleFromRow(rows[0]) : undefined;
    if (!schedule || (schedule.state !== 'active' && schedule.state !== 'paused')) return undefined;
    const taken = await ctx.select(
      'SELECT fire_at FROM rookery_tasks WHERE schedule_id = :id AND fire_at >= :now ORDER BY fire_at',
      { id: schedule.id, now },
      tx,
    );
    let fireAt = now;
    for (const r of taken) if (Number(r['fire_at']) === fireAt) fireAt += 1;
    const task = manualTask(schedule, p.taskId, fireAt, p.reason, now, p.payload);
    await ctx.write(
      `INSERT INTO rookery_tasks (${RUN_COLUMNS.join(', ')}) VALUES :rows`,
      { rows: [runValues(task)] },
      tx,
    );
    await insertEvents(ctx, tx, [
      { taskId: task.id, at: now, from: null, to: 'pending', nodeId: null, reason: p.reason, fence: 0 },
    ]);
    const [stored] = await readTasks(ctx, [task.id], tx);
    return stored;
  });
}

/** The live task other than `taskId` that holds `key`, if any. */
async function keyHolder(ctx: SqlContext, tx: Tx, key: string, taskId: string): Promise<Task | undefined> {
  const rows = await ctx.select(
    `SELECT id FROM rookery_tasks WHERE ${ctx.dialect.liveKeyMatch} AND id <> :id`,
    { keys: [key], id: taskId },
    tx,
  );
  const [holder] = await readTasks(
    ctx,
    rows.map((r) => String(r['id'])),
    tx,
  );
  return holder;
}

/**
 * An operator's retry of a task that ended without completing (see `Datastore.taskRetry`), in
 * one transaction: the task is read, checked (state, and the live holder of its key), then
 * moved back to `pending` by an update conditional on the state read, its execution report
 * dropped and the transition recorded.
 */
export async function taskRetry(ctx: SqlContext, p: TaskRetryParams): Promise<TaskRetryResult | undefined> {
  return ctx.transaction('retry task', async (tx) => {
    const now = await ctx.now(p.now, tx);
    const [task] = await readTasks(ctx, [p.taskId], tx);
    if (!task) return undefined;
    if (!RETRYABLE_TASK_STATES.includes(task.state)) return { outcome: 'refused-state', task };
    if (task.key !== null) {
      const holder = await keyHolder(ctx, tx, task.key, task.id);
      if (holder) return { outcome: 'refused-key', task, holder };
    }
    const changed = await ctx.write(
      "UPDATE rookery_tasks SET state = 'pending', due_at = :now, deadline_at = NULL, lease_owner = NULL, lease_expires_at = NULL," +
        ' execution_id = NULL, result = NULL, cancel_requested = 0, reason = :reason, version = version + 1, updated_at = :now' +
        ' WHERE id = :id AND state = :from',
      { id: task.id, from: task.state, reason: p.reason, now },
      tx,
    );
    if (changed === 0) {
      const [current] = await readTasks(ctx, [task.id], tx);
      return current ? { outcome: 'refused-state', task: current } : undefined;
    }
    await ctx.write('DELETE FROM rookery_execution_reports WHERE task_id = :id', { id: task.id }, tx);
    await insertEvents(ctx, tx, [
      { taskId: task.id, at: now, from: task.state, to: 'pending', nodeId: null, reason: p.reason, fence: task.fence },
    ]);
    const [retried] = await readTasks(ctx, [task.id], tx);
    return retried ? { outcome: 'retried', task: retried } : undefined;
  });
}

/**
 * Retention of done schedules (see `Datastore.schedulePruneDone`): in one transaction, up to
 * `limit` done schedules that became done before `doneBefore` and have no live or recently
 * ended task are chosen, oldest first, then deleted (the state test repeated) with their
 * tasks, events, logs and execution reports.
 */
export async function schedulePruneDone(ctx: SqlContext, p: SchedulePruneDoneParams): Promise<number> {
  if (p.limit <= 0) return 0;
  return ctx.transaction('prune done schedules', async (tx) => {
    const rows = await ctx.select(
      "SELECT s.id FROM rookery_schedules s WHERE s.state = 'done' AND s.updated_at < :before AND NOT EXISTS (SELECT 1 FROM rookery_tasks t" +
        " WHERE t.schedule_id = s.id AND (t.state IN ('pending', 'running') OR t.ended_at >= :before))" +
        ` ORDER BY s.updated_at${ctx.dialect.limitClause()}`,
      { before: p.doneBefore, limit: p.limit },
      tx,
    );
    const ids = rows.map((r) => String(r['id']));
    if (ids.length === 0) return 0;
    const deleted = await ctx.write("DELETE FROM rookery_schedules WHERE id IN (:ids) AND state = 'done'", { ids }, tx);
    const ofSchedules = 'task_id IN (SELECT id FROM rookery_tasks WHERE schedule_id IN (:ids))';
    await ctx.write(`DELETE FROM rookery_task_events WHERE ${ofSchedules}`, { ids }, tx);
    await ctx.write(`DELETE FROM rookery_task_logs WHERE ${ofSchedules}`, { ids }, tx);
    await ctx.write(`DELETE FROM rookery_execution_reports WHERE ${ofSchedules}`, { ids }, tx);
    await ctx.write('DELETE FROM rookery_tasks WHERE schedule_id IN (:ids)', { ids }, tx);
    return deleted;
  });
}
