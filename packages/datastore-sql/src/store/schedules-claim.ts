import {
  isTerminalTaskState,
  type Schedule,
  type SchedulePeelParams,
  type SchedulePeelResult,
} from '@rookery/core';
import { scheduleFromRow, taskPolicies } from './row-mapping.js';
import { gateRelease } from './schedules.js';
import type { SqlContext } from './sql-context.js';
import { insertEvents, readTasks } from './task-effects.js';

/** A schedule's lease is free: never taken, released, or expired by `:now`. */
const LEASE_FREE = '(lease_owner IS NULL OR lease_expires_at IS NULL OR lease_expires_at <= :now)';

/** Input of {@link scheduleClaimDue}. */
export interface ScheduleClaimDueParams {
  /** Lease owner. */
  owner: string;
  /** At most this many schedules. */
  limit: number;
  /** Claim schedules whose next fire time is at or before now + this. */
  lookaheadMs: number;
  /** Lease length. */
  leaseMs: number;
  /** Replaces the database clock; tests only. */
  now?: number;
}

/**
 * Claims due, active, ungated schedules whose lease is free: one short transaction that picks
 * candidates (skipping rows locked by a concurrent claim where supported), takes their lease
 * with a conditional UPDATE (fence + 1), and reads them back.
 */
export async function scheduleClaimDue(ctx: SqlContext, p: ScheduleClaimDueParams): Promise<Schedule[]> {
  if (p.limit <= 0) return [];
  const d = ctx.dialect;
  return ctx.transaction('claim due schedules', async (tx) => {
    const now = await ctx.now(p.now, tx);
    const r = { now, horizon: now + p.lookaheadMs, limit: p.limit, owner: p.owner, expires: now + p.leaseMs };
    const due = "state = 'active' AND gate_task_id IS NULL AND next_fire_at IS NOT NULL AND next_fire_at <= :horizon";
    const candidates = await ctx.select(
      `SELECT id FROM rookery_schedules${d.claimTableHint('rookery_schedules_claim')} WHERE ${due} AND ${LEASE_FREE}` +
        ` ORDER BY next_fire_at${d.limitClause()}${d.claimLockSuffix}`,
      r,
      tx,
    );
    const ids = candidates.map((c) => String(c['id']));
    if (ids.length === 0) return [];
    await ctx.write(
      'UPDATE rookery_schedules SET lease_owner = :owner, lease_expires_at = :expires, fence = fence + 1,' +
        ` version = version + 1, updated_at = :now WHERE id IN (:ids) AND ${due} AND ${LEASE_FREE}`,
      { ...r, ids },
      tx,
    );
    const rows = await ctx.select(
      'SELECT * FROM rookery_schedules WHERE id IN (:ids) AND lease_owner = :owner AND lease_expires_at = :expires' +
        ' ORDER BY next_fire_at',
      { ...r, ids },
      tx,
    );
    return rows.map(scheduleFromRow);
  });
}

const TASK_COLUMNS = [
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
  'lease_owner',
  'lease_expires_at',
  'node_id',
  'started_at',
  'ended_at',
  'result',
  'error',
  'reason',
  'execution_id',
  'cancel_requested',
  'created_at',
  'updated_at',
] as const;

/**
 * Writes the result of peeling one claimed schedule, in one transaction: the conditional
 * UPDATE on (owner, fence, unexpired lease) comes first and releases the lease; if it matches
 * nothing, nothing is written. Tasks are inserted one by one with the dialect's
 * insert-ignore, so a task whose (schedule, fire time) exists is left alone and not reported.
 */
export async function schedulePeel(ctx: SqlContext, p: SchedulePeelParams): Promise<SchedulePeelResult> {
  const insertTask = ctx.dialect.insertIgnoreSql('rookery_tasks', TASK_COLUMNS, [['id'], ['schedule_id', 'fire_at']]);
  return ctx.transaction('peel schedule', async (tx) => {
    const now = await ctx.now(p.now, tx);
    const before = await ctx.select('SELECT * FROM rookery_schedules WHERE id = :id', { id: p.scheduleId }, tx);
    if (!before[0]) return { ok: false, created: [] };
    const schedule = scheduleFromRow(before[0]);
    const held = await ctx.write(
      'UPDATE rookery_schedules SET next_fire_at = :nextFireAt, gate_task_id = :gateTaskId, gate_release = :gateRelease,' +
        ' lease_owner = NULL, lease_expires_at = NULL, version = version + 1, updated_at = :now' +
        " WHERE id = :id AND lease_owner = :owner AND fence = :fence AND lease_expires_at > :now AND state = 'active'",
      {
        id: p.scheduleId,
        owner: p.owner,
        fence: p.fence,
        now,
        nextFireAt: p.nextFireAt,
        gateTaskId: p.gateTaskId,
        gateRelease: gateRelease(schedule, p.gateTaskId),
      },
      tx,
    );
    if (held === 0) return { ok: false, created: [] };

    const policies = taskPolicies(schedule.policies);
    const payload = JSON.stringify(schedule.payload);
    const createdIds: string[] = [];
    for (const t of p.tasks) {
      const inserted = await ctx.write(
        insertTask,
        {
          id: t.id,
          schedule_id: p.scheduleId,
          fire_at: t.fireAt,
          span_end_at: t.spanEndAt,
          span_count: t.spanCount,
          due_at: t.dueAt,
          deadline_at: t.deadlineAt,
          state: t.state,
          attempt: 0,
          failures: 0,
          repairs: 0,
          fence: 0,
          version: 0,
          executor: schedule.executor,
          payload,
          policies: JSON.stringify(policies),
          duplicate_policy: policies.duplicate,
          delivery: policies.delivery,
          priority: policies.priority,
          lease_owner: null,
          lease_expires_at: null,
          node_id: null,
          started_at: null,
          ended_at: isTerminalTaskState(t.state) ? now : null,
          result: null,
          error: null,
          reason: t.reason,
          execution_id: null,
          cancel_requested: 0,
          created_at: now,
          updated_at: now,
        },
        tx,
      );
      if (inserted > 0) createdIds.push(t.id);
    }
    if (p.gateTaskId !== null && !createdIds.includes(p.gateTaskId)) {
      // The gate task was not inserted (its fire time already had a task): gate on nothing.
      await ctx.write(
        'UPDATE rookery_schedules SET gate_task_id = NULL, gate_release = NULL, version = version + 1 WHERE id = :id AND gate_task_id = :gate',
        { id: p.scheduleId, gate: p.gateTaskId },
        tx,
      );
    }
    const created = await readTasks(ctx, createdIds, tx);
    await insertEvents(
      ctx,
      tx,
      created.map((t) => ({ taskId: t.id, at: now, from: null, to: t.state, nodeId: p.nodeId, reason: t.reason, fence: 0 })),
    );
    return { ok: true, created };
  });
}
