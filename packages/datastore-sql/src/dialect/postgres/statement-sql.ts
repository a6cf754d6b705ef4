import { onceRunOverSql } from '../../store/schedules-done.js';

/**
 * SQL shared by PostgreSQL's one-statement fast paths (writable CTEs).
 */

/**
 * The `clock` CTE: `$1` when a test gives the time, else the database clock, read once for the
 * whole statement. `recursive` opens the statement's CTEs with `WITH RECURSIVE`, for a
 * statement one of whose later CTEs refers to itself.
 */
export function clockCte(clockSql: string, recursive = false): string {
  return `WITH${recursive ? ' RECURSIVE' : ''} clock AS (SELECT COALESCE($1::bigint, ${clockSql}) AS now)`;
}

/**
 * CTEs that follow the end of the tasks of `endedTasks` (a CTE of tasks that reached a terminal
 * state, with `id` and `schedule_id`): `name` ungates the schedules gated on one of them (the
 * gate is cleared and an `after-run` schedule's next fire time becomes now + its delay), and
 * `name`_done marks `done` the active `once` schedules, gated or not, whose only task was one of
 * them. The two touch disjoint rows (gated, ungated), as one statement must.
 *
 * Both start from `name`_schedules: the ended tasks' schedules, found by primary key alone and
 * locked (in id order), with whether their run is over judged once, so that the statement's
 * cost follows the tasks it ends. With the conditions beside the ids, PostgreSQL walked every
 * active schedule instead whenever its statistics said few were active.
 */
export function ungateAtEndCte(name: string, endedTasks: string): string {
  const endedIds = `ARRAY(SELECT id FROM ${endedTasks})`;
  const others = ` AND NOT (t.id = ANY(${endedIds}))`;
  return `${name}_schedules AS MATERIALIZED (
  SELECT s.id, ${onceRunOverSql('s', others)} AS run_over
  FROM rookery_schedules s WHERE s.id = ANY(ARRAY(SELECT schedule_id FROM ${endedTasks})) ORDER BY s.id FOR UPDATE),
${name} AS (
  UPDATE rookery_schedules s SET gate_task_id = NULL, gate_release = NULL,
    next_fire_at = CASE WHEN s.after_run_delay_ms IS NOT NULL THEN c.now + s.after_run_delay_ms ELSE s.next_fire_at END,
    state = CASE WHEN e.run_over THEN 'done' ELSE s.state END,
    version = s.version + 1, updated_at = c.now
  FROM clock c, ${name}_schedules e
  WHERE s.id = e.id AND s.gate_task_id = ANY(${endedIds})),
${name}_done AS (
  UPDATE rookery_schedules s SET state = 'done', version = s.version + 1, updated_at = c.now
  FROM clock c, ${name}_schedules e
  WHERE s.id = e.id AND s.gate_task_id IS NULL AND e.run_over)`;
}
