/**
 * SQL shared by the one-statement hot paths (dialects with writable CTEs).
 */

/** The `clock` CTE: `$1` when a test gives the time, else the database clock, read once for the whole statement. */
export function clockCte(clockSql: string): string {
  return `WITH clock AS (SELECT COALESCE($1::bigint, ${clockSql}) AS now)`;
}

/**
 * A CTE named `name` that ungates the schedules gated on a task of `endedTasks` (a CTE of
 * tasks that reached a terminal state): the gate is cleared and an `after-run` schedule's
 * next fire time becomes now + its delay.
 */
export function ungateAtEndCte(name: string, endedTasks: string): string {
  return `${name} AS (
  UPDATE rookery_schedules s SET gate_task_id = NULL, gate_release = NULL,
    next_fire_at = CASE WHEN s.after_run_delay_ms IS NOT NULL THEN c.now + s.after_run_delay_ms ELSE s.next_fire_at END,
    version = s.version + 1, updated_at = c.now
  FROM clock c
  WHERE s.id = ANY(ARRAY(SELECT schedule_id FROM ${endedTasks})) AND s.gate_task_id = ANY(ARRAY(SELECT id FROM ${endedTasks})))`;
}
