import {
  TASK_POLICY_KEYS,
  type Schedule,
  type SchedulePeelManyParams,
  type SchedulePeelResult,
  type Task,
  type ScheduleClaimDueParams,
} from '@rookery/core';
import { scheduleFromRow, taskFromRow } from '../../store/row-mapping.js';
import type { SqlContext } from '../../store/sql-context.js';
import { clockCte } from './statement-sql.js';
import { leaseFree } from '../../store/lease-sql.js';
import { preparedStatement } from './prepared-statement.js';

/**
 * Claiming due schedules as one statement (writable CTEs): due, active, ungated schedules
 * whose lease is free (rows locked by a concurrent claim skipped) take this owner's lease,
 * fence + 1, and come back.
 */
const claimSql = (clockSql: string): string => `
${clockCte(clockSql)},
picked AS (
  SELECT id FROM rookery_schedules
  WHERE state = 'active' AND gate_task_id IS NULL AND next_fire_at IS NOT NULL
    AND next_fire_at <= (SELECT now FROM clock) + $2::bigint
    AND ${leaseFree('(SELECT now FROM clock)')}
  ORDER BY next_fire_at LIMIT $3::int FOR UPDATE SKIP LOCKED)
UPDATE rookery_schedules s SET lease_owner = $4::text, lease_expires_at = c.now + $5::bigint, fence = s.fence + 1,
  version = s.version + 1, updated_at = c.now
FROM clock c
WHERE s.id = ANY(ARRAY(SELECT id FROM picked))
RETURNING s.*`;

/** Runs the one-statement schedule claim; the schedules come back by next fire time. */
export async function scheduleClaimStatement(ctx: SqlContext, p: ScheduleClaimDueParams): Promise<Schedule[]> {
  const rows = await preparedStatement(
    ctx,
    'claim due schedules',
    'rookery_schedule_claim',
    claimSql(ctx.dialect.clockSql),
    [p.now ?? null, p.lookaheadMs, p.limit, p.owner, p.leaseMs],
  );
  return rows.map(scheduleFromRow).sort((a, b) => (a.nextFireAt ?? 0) - (b.nextFireAt ?? 0));
}

/**
 * Peeling as one statement (writable CTEs). The peels whose schedule's (owner, fence, state
 * active) still holds are locked in id order (the lease's expiry is not tested: see
 * `Datastore.schedulePeelMany`); their tasks go in, each
 * carrying its schedule's executor, payload and task policies, and skipping one whose id or
 * (schedule, fire time) is taken; each held schedule gets its next fire time and its gate (a
 * gate on a task that was not inserted is dropped) and releases its lease; every created task's
 * transition is recorded. One row per held schedule and inserted task comes back.
 *
 * The held rows are found by primary key only: `IS NOT DISTINCT FROM` (the column is NOT NULL)
 * keeps the planner from serving the state test from an index that starts with `state` and
 * filtering every active schedule, which queue-table statistics (leases all NULL at the last
 * ANALYZE) made it prefer.
 */
const peelSql = (clockSql: string): string => `
${clockCte(clockSql)},
peels AS (
  SELECT * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::text[])
    AS p(schedule_id, owner, fence, next_fire_at, gate_task_id, node_id)),
held AS (
  SELECT s.id, s.executor, s.payload, s.policies::jsonb AS sp, p.next_fire_at, p.gate_task_id, p.node_id
  FROM rookery_schedules s JOIN peels p ON p.schedule_id = s.id
  WHERE s.id = ANY($2::text[]) AND s.state IS NOT DISTINCT FROM 'active' AND s.lease_owner = p.owner AND s.fence = p.fence
  ORDER BY s.id FOR UPDATE OF s),
new_tasks AS (
  SELECT * FROM unnest($8::text[], $9::text[], $10::bigint[], $11::bigint[], $12::int[], $13::bigint[], $14::bigint[], $15::text[], $16::text[])
    AS n(id, schedule_id, fire_at, span_end_at, span_count, due_at, deadline_at, state, reason)),
inserted AS (
  INSERT INTO rookery_tasks (id, schedule_id, fire_at, span_end_at, span_count, due_at, deadline_at, state, attempt, failures,
    repairs, fence, version, executor, payload, policies, duplicate_policy, delivery, priority, ended_at, reason,
    cancel_requested, created_at, updated_at)
  SELECT n.id, n.schedule_id, n.fire_at, n.span_end_at, n.span_count, n.due_at, n.deadline_at, n.state, 0, 0, 0, 0, 0,
    h.executor, h.payload,
    jsonb_build_object(${TASK_POLICY_KEYS.map((k) => `'${k}', h.sp->'${k}'`).join(', ')})::text,
    h.sp->>'duplicate', h.sp->>'delivery', (h.sp->>'priority')::int,
    CASE WHEN n.state = 'pending' THEN NULL ELSE c.now END, n.reason, 0, c.now, c.now
  FROM new_tasks n JOIN held h ON h.id = n.schedule_id CROSS JOIN clock c
  ON CONFLICT DO NOTHING
  RETURNING *),
released AS (
  UPDATE rookery_schedules s SET next_fire_at = h.next_fire_at,
    gate_task_id = CASE WHEN h.gate_task_id = ANY(ARRAY(SELECT id FROM inserted)) THEN h.gate_task_id END,
    gate_release = CASE WHEN h.gate_task_id = ANY(ARRAY(SELECT id FROM inserted))
      THEN CASE WHEN h.sp->>'taskCreation' = 'on-start' THEN 'start' ELSE 'end' END END,
    lease_owner = NULL, lease_expires_at = NULL, version = s.version + 1, updated_at = c.now
  FROM held h, clock c
  WHERE s.id = ANY(ARRAY(SELECT id FROM held)) AND s.id = h.id
  RETURNING s.id),
events AS (
  INSERT INTO rookery_task_events (task_id, at, from_state, to_state, node_id, reason, fence)
  SELECT i.id, i.created_at, NULL, i.state, h.node_id, i.reason, 0 FROM inserted i JOIN held h ON h.id = i.schedule_id)
SELECT r.id AS peel_held_id, i.* FROM released r LEFT JOIN inserted i ON i.schedule_id = r.id`;

/**
 * Runs the one-statement peel: the same outcome as the general
 * peel (see `schedulePeelMany`), in one round trip.
 */
export async function peelStatement(ctx: SqlContext, p: SchedulePeelManyParams): Promise<SchedulePeelResult[]> {
  const listed = new Map<string, number>();
  for (const [i, peel] of p.peels.entries()) if (!listed.has(peel.scheduleId)) listed.set(peel.scheduleId, i);
  const peels = p.peels.filter((peel, i) => listed.get(peel.scheduleId) === i);
  const tasks = peels.flatMap((peel) => peel.tasks.map((t) => ({ ...t, scheduleId: peel.scheduleId })));
  const values = [
    p.now ?? null,
    peels.map((x) => x.scheduleId),
    peels.map((x) => x.owner),
    peels.map((x) => x.fence),
    peels.map((x) => x.nextFireAt),
    peels.map((x) => x.gateTaskId),
    peels.map((x) => x.nodeId),
    tasks.map((t) => t.id),
    tasks.map((t) => t.scheduleId),
    tasks.map((t) => t.fireAt),
    tasks.map((t) => t.spanEndAt),
    tasks.map((t) => t.spanCount),
    tasks.map((t) => t.dueAt),
    tasks.map((t) => t.deadlineAt),
    tasks.map((t) => t.state),
    tasks.map((t) => t.reason),
  ];
  const what = peels.length === 1 ? 'peel schedule' : `peel ${peels.length} schedules`;
  const rows = await preparedStatement(ctx, what, 'rookery_peel', peelSql(ctx.dialect.clockSql), values);
  const held = new Set<string>();
  const created = new Map<string, Task>();
  for (const r of rows) {
    held.add(String(r['peel_held_id']));
    if (r['id'] !== null && r['id'] !== undefined) created.set(String(r['id']), taskFromRow(r));
  }
  // The created tasks in the order they were listed.
  return p.peels.map((peel, i) =>
    listed.get(peel.scheduleId) === i && held.has(peel.scheduleId)
      ? { ok: true, created: peel.tasks.flatMap((t) => created.get(t.id) ?? []) }
      : { ok: false, created: [] },
  );
}
