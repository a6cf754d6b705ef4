import type { Task, TaskEvent } from '@rookery/core';
import { taskFromRow } from './row-mapping.js';
import type { SqlContext, Tx } from './sql-context.js';

/** A state transition to record in `rookery_task_events`. */
export type EventRow = TaskEvent;

/** Rows per multi-row INSERT (SQL Server accepts at most 1000 rows in one VALUES list). */
const EVENT_BATCH = 500;

/** Inserts transitions, one multi-row statement per 500 events. */
export async function insertEvents(ctx: SqlContext, tx: Tx, events: EventRow[]): Promise<void> {
  for (let i = 0; i < events.length; i += EVENT_BATCH) {
    await ctx.writeLater(
      'INSERT INTO rookery_task_events (task_id, at, from_state, to_state, node_id, reason, fence) VALUES :rows',
      {
        rows: events.slice(i, i + EVENT_BATCH).map((e) => [e.taskId, e.at, e.from, e.to, e.nodeId, e.reason, e.fence]),
      },
      tx,
    );
  }
}

/** Reads tasks by id, in the order of `ids` (missing ones left out). */
export async function readTasks(ctx: SqlContext, ids: readonly string[], tx?: Tx): Promise<Task[]> {
  if (ids.length === 0) return [];
  const rows = await ctx.select('SELECT * FROM rookery_tasks WHERE id IN (:ids)', { ids: [...ids] }, tx);
  const byId = new Map(rows.map((r) => [String(r['id']), taskFromRow(r)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/**
 * Runs an UPDATE of the tasks `ids` and returns them as updated, in the order of `ids`: with
 * `RETURNING *` where the dialect has it (one round trip), else the UPDATE and a read.
 */
export async function updateTasksReturning(
  ctx: SqlContext,
  tx: Tx,
  update: string,
  replacements: Record<string, unknown>,
  ids: readonly string[],
): Promise<Task[]> {
  if (ids.length === 0) return [];
  if (!ctx.dialect.supportsReturning) {
    await ctx.writeLater(update, replacements, tx);
    return readTasks(ctx, ids, tx);
  }
  const rows = await ctx.select(`${update} RETURNING *`, replacements, tx);
  const byId = new Map(rows.map((r) => [String(r['id']), taskFromRow(r)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** True for the duplicate policies whose tasks must hold their schedule's run slot to run. */
export function takesRunSlot(duplicate: string): boolean {
  return duplicate === 'skip' || duplicate === 'replace' || duplicate === 'queue';
}

/**
 * Releases a schedule's run slot if `taskId` holds it, and makes the tasks waiting for it (a
 * `queue` schedule's queued task, or a `replace` schedule's newer task: pending, never started,
 * due by its fire time but postponed to the slot's expiry) due now. Bumps `version`
 * (conditional writes). A job (`scheduleId` null) holds no slot.
 */
export async function releaseSlot(
  ctx: SqlContext,
  tx: Tx,
  scheduleId: string | null,
  taskId: string,
  now: number,
): Promise<void> {
  if (scheduleId === null) return;
  const released = await ctx.write(
    'UPDATE rookery_schedules SET slot_task_id = NULL, slot_expires_at = NULL, version = version + 1' +
      ' WHERE id = :scheduleId AND slot_task_id = :taskId',
    { scheduleId, taskId },
    tx,
  );
  if (released === 0) return;
  await ctx.write(
    "UPDATE rookery_tasks SET due_at = :now, version = version + 1, updated_at = :now WHERE schedule_id = :scheduleId AND state = 'pending'" +
      " AND duplicate_policy IN ('queue', 'replace') AND attempt = 0 AND fire_at <= :now AND due_at > :now",
    { scheduleId, now },
    tx,
  );
}

/**
 * Ungates a schedule gated on a task that reached a terminal state: the gate is cleared and an
 * `after-run` schedule's next fire time becomes now + its delay. A job (`scheduleId` null)
 * gates nothing.
 */
export async function ungateAtEnd(
  ctx: SqlContext,
  tx: Tx,
  scheduleId: string | null,
  taskId: string,
  now: number,
): Promise<void> {
  if (scheduleId === null) return;
  await ctx.writeLater(
    'UPDATE rookery_schedules SET gate_task_id = NULL, gate_release = NULL,' +
      ' next_fire_at = CASE WHEN after_run_delay_ms IS NOT NULL THEN :now + after_run_delay_ms ELSE next_fire_at END,' +
      ' version = version + 1, updated_at = :now WHERE id = :scheduleId AND gate_task_id = :taskId',
    { scheduleId, taskId, now },
    tx,
  );
}

/** Ungates schedules gated on the start (`on-start`) of tasks that just started. */
export async function ungateAtStart(
  ctx: SqlContext,
  tx: Tx,
  startedTasks: readonly Task[],
  now: number,
): Promise<void> {
  // Only `on-start` task creation gates a schedule on a start: most claims need no statement.
  const started = startedTasks.filter((t) => t.policies.taskCreation === 'on-start');
  if (started.length === 0) return;
  await ctx.writeLater(
    'UPDATE rookery_schedules SET gate_task_id = NULL, gate_release = NULL, version = version + 1, updated_at = :now' +
      " WHERE id IN (:scheduleIds) AND gate_task_id IN (:taskIds) AND gate_release = 'start'",
    { scheduleIds: [...new Set(started.map((t) => t.scheduleId))], taskIds: started.map((t) => t.id), now },
    tx,
  );
}
