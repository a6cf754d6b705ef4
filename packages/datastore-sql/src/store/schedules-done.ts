import type { SqlContext, Tx } from './sql-context.js';

/**
 * True for a schedule row whose trigger is `once`. The trigger is stored as JSON text, and a
 * quote inside one of its strings is escaped, so only the `kind` member of a once trigger
 * matches, whatever the order of the members.
 */
export const ONCE_TRIGGER_SQL = `trigger_json LIKE '%"kind":"once"%'`;

/**
 * An active `once` schedule whose only fire time has been peeled (no next fire time) and that
 * has no live (pending or running) task: its run is over (callers add the gate condition).
 * `schedule` names the schedules table (or its alias) in the statement; `exceptTasks` is a
 * condition on `t` leaving out tasks that the same statement ends (for one-statement paths,
 * which see the tasks as they were before it).
 *
 * The live tasks are counted by a correlated subquery, one probe of the schedule's own tasks
 * (index on `schedule_id`) per schedule. `NOT EXISTS` would say the same, but a planner may
 * turn it into an anti join that walks every live task of the table for each schedule: with
 * statistics taken when few tasks were live, PostgreSQL did, and a finish of 500 tasks beside
 * thousands of live ones ran past the statement timeout. No planner turns a count into a join.
 */
export function onceRunOverSql(schedule: string, exceptTasks = ''): string {
  return (
    `${schedule}.state = 'active' AND ${schedule}.next_fire_at IS NULL AND ${schedule}.${ONCE_TRIGGER_SQL}` +
    ` AND (SELECT COUNT(*) FROM rookery_tasks t WHERE t.schedule_id = ${schedule}.id AND t.state IN ('pending', 'running')${exceptTasks}) = 0`
  );
}

/**
 * Marks `done` the schedules of `scheduleIds` (null entries, jobs, are left out) that are
 * active, ungated `once` schedules whose only task has ended ({@link onceRunOverSql}). Called in the
 * transaction that ends a task, after its gate was released, so that a once schedule becomes
 * done with the end of its task. Conditional and idempotent.
 */
export async function markOnceSchedulesDone(
  ctx: SqlContext,
  tx: Tx,
  scheduleIds: readonly (string | null)[],
  now: number,
): Promise<void> {
  const ids = [...new Set(scheduleIds.filter((id): id is string => id !== null))];
  if (ids.length === 0) return;
  await ctx.writeLater(
    `UPDATE rookery_schedules SET state = 'done', version = version + 1, updated_at = :now WHERE id IN (:ids) AND gate_task_id IS NULL AND ${onceRunOverSql('rookery_schedules')}`,
    { ids, now },
    tx,
  );
}
