import { untakenFireTime, type Schedule } from '@rookery/core';
import { scheduleFromRow } from './row-mapping.js';
import type { SqlContext, Tx } from './sql-context.js';

/** A planned task that may still be withdrawn: pending and never started. */
const NOT_STARTED = "state = 'pending' AND attempt = 0";

/**
 * Which planned tasks a withdrawal takes: `ahead`, those whose fire time is after now (an
 * update: the tasks already due run under the old definition); `all`, every one not started,
 * due or not (pause and retire: no planned run starts after the command returns).
 */
export type WithdrawalScope = 'ahead' | 'all';

/**
 * Withdraws the tasks of a schedule planned that have not started, inside the caller's
 * transaction: those pending and never started (with `ahead`, only those due after `now`).
 * They are chosen, then each is deleted only if it is still pending and never started, so a
 * task a node claims in between keeps running. The events and logs of the tasks deleted go
 * with them (no one else's), and a gate on one of them is cleared.
 */
export async function withdrawPlannedTasks(
  ctx: SqlContext,
  tx: Tx,
  scheduleId: string,
  now: number,
  scope: WithdrawalScope,
): Promise<void> {
  const notDue = scope === 'ahead' ? ' AND fire_at > :now' : '';
  const chosen = await ctx.select(
    `SELECT id FROM rookery_tasks WHERE schedule_id = :id AND ${NOT_STARTED}${notDue}`,
    { id: scheduleId, now },
    tx,
  );
  const ids = chosen.map((r) => String(r['id']));
  if (ids.length === 0) return;
  await ctx.testHooks.withdrawalChosen?.({ scheduleId, taskIds: ids, othersWriteMeanwhile: !ctx.dialect.singleWriter });
  const deleted = await ctx.write(`DELETE FROM rookery_tasks WHERE id IN (:ids) AND ${NOT_STARTED}`, { ids }, tx);
  if (deleted === 0) return;
  // A task still in the table was claimed after it was chosen: its history and gate stay.
  const claimed = deleted < ids.length;
  const survivors = 'SELECT id FROM rookery_tasks WHERE id IN (:ids)';
  const gone = (column: string): string => (claimed ? ` AND ${column} NOT IN (${survivors})` : '');
  await ctx.write(`DELETE FROM rookery_task_events WHERE task_id IN (:ids)${gone('task_id')}`, { ids }, tx);
  await ctx.write(`DELETE FROM rookery_task_logs WHERE task_id IN (:ids)${gone('task_id')}`, { ids }, tx);
  await ctx.write(
    `UPDATE rookery_schedules SET gate_task_id = NULL, gate_release = NULL, version = version + 1 WHERE id = :id AND gate_task_id IN (:ids)${gone('gate_task_id')}`,
    { id: scheduleId, ids },
    tx,
  );
}

/**
 * Reads a schedule inside the caller's transaction and, when its next fire time still has a
 * task (one a node claimed while it was being withdrawn), moves it on to the first fire time
 * of its trigger that has none ({@link untakenFireTime}). Returns the schedule as stored.
 */
export async function planUntakenFireTime(ctx: SqlContext, tx: Tx, scheduleId: string): Promise<Schedule | undefined> {
  const rows = await ctx.select('SELECT * FROM rookery_schedules WHERE id = :id', { id: scheduleId }, tx);
  const schedule = rows[0] ? scheduleFromRow(rows[0]) : undefined;
  if (schedule?.nextFireAt == null) return schedule;
  const taken = await ctx.select(
    'SELECT fire_at FROM rookery_tasks WHERE schedule_id = :id AND fire_at >= :next',
    { id: scheduleId, next: schedule.nextFireAt },
    tx,
  );
  const next = untakenFireTime(
    schedule,
    schedule.nextFireAt,
    taken.map((r) => Number(r['fire_at'])),
  );
  if (next === schedule.nextFireAt) return schedule;
  await ctx.write(
    'UPDATE rookery_schedules SET next_fire_at = :next, version = version + 1 WHERE id = :id',
    { id: scheduleId, next },
    tx,
  );
  return { ...schedule, nextFireAt: next };
}
