import type {
  Schedule,
  ScheduleClaimValidationParams,
  ScheduleListByClientParams,
  ScheduleValidateParams,
} from '@rookery/core';
import { scheduleFromRow } from './row-mapping.js';
import type { SqlContext } from './sql-context.js';
import { leaseFree, leaseHeld, leaseWritten } from './lease-sql.js';

/** A schedule's lease is free: never taken, released, or expired by `:now`. */
const PENDING = "state = 'pending-validation' AND executor IN (:executors)";

/**
 * Claims schedules pending validation of the given executors whose lease is free, oldest
 * submission first: one short transaction that picks candidates along
 * `rookery_schedules_validation` (skipping rows locked by a concurrent claim where supported),
 * takes their lease with a conditional UPDATE (fence + 1), and reads them back.
 */
export async function scheduleClaimValidation(ctx: SqlContext, p: ScheduleClaimValidationParams): Promise<Schedule[]> {
  if (p.limit <= 0 || p.executors.length === 0) return [];
  const d = ctx.dialect;
  return ctx.transaction('claim schedules to validate', async (tx) => {
    const now = await ctx.now(p.now, tx);
    const r = { now, limit: p.limit, owner: p.owner, expires: now + p.leaseMs, executors: p.executors };
    const candidates = await ctx.select(
      `SELECT id FROM rookery_schedules${d.claimTableHint('rookery_schedules_validation')} WHERE ${PENDING} AND ${leaseFree()}` +
        ` ORDER BY created_at, id${d.limitClause()}${d.claimLockSuffix}`,
      r,
      tx,
    );
    const ids = candidates.map((c) => String(c['id']));
    if (ids.length === 0) return [];
    await ctx.write(
      'UPDATE rookery_schedules SET lease_owner = :owner, lease_expires_at = :expires, fence = fence + 1,' +
        ` version = version + 1, updated_at = :now WHERE id IN (:ids) AND ${PENDING} AND ${leaseFree()}`,
      { ...r, ids },
      tx,
    );
    const rows = await ctx.select(
      `SELECT * FROM rookery_schedules WHERE id IN (:ids) AND ${leaseWritten()}` + ' ORDER BY created_at, id',
      { ...r, ids },
      tx,
    );
    return rows.map(scheduleFromRow);
  });
}

/**
 * Records the verdict on a claimed schedule: one conditional UPDATE on (owner, fence,
 * unexpired lease, state pending-validation) that sets the state, next fire time and
 * validation columns and releases the lease, then a read-back, in one transaction.
 */
export async function scheduleValidate(ctx: SqlContext, p: ScheduleValidateParams): Promise<Schedule | undefined> {
  const v = p.verdict;
  return ctx.transaction('record schedule validation', async (tx) => {
    const now = await ctx.now(p.now, tx);
    const changed = await ctx.write(
      'UPDATE rookery_schedules SET state = :state, next_fire_at = :nextFireAt, validated_by = :nodeId, validated_at = :now,' +
        ' rejected_field = :field, rejected_reason = :reason, lease_owner = NULL, lease_expires_at = NULL,' +
        ' version = version + 1, updated_at = :now' +
        ` WHERE id = :id AND ${leaseHeld({ fence: ':fence' })} AND state = 'pending-validation'`,
      {
        id: p.scheduleId,
        owner: p.owner,
        fence: p.fence,
        nodeId: p.nodeId,
        now,
        state: v.state,
        nextFireAt: v.state === 'active' ? v.nextFireAt : null,
        field: v.state === 'rejected' ? v.field : null,
        reason: v.state === 'rejected' ? v.reason : null,
      },
      tx,
    );
    if (changed === 0) return undefined;
    const rows = await ctx.select('SELECT * FROM rookery_schedules WHERE id = :id', { id: p.scheduleId }, tx);
    return rows[0] ? scheduleFromRow(rows[0]) : undefined;
  });
}

/** The schedules one client submitted, oldest submission first (along `rookery_schedules_client`). */
export async function scheduleListByClient(ctx: SqlContext, p: ScheduleListByClientParams): Promise<Schedule[]> {
  return ctx.single('list schedules of a client', async () => {
    const rows = await ctx.select(
      `SELECT * FROM rookery_schedules WHERE client_id = :clientId ORDER BY created_at, id${ctx.dialect.limitClause()}`,
      { clientId: p.clientId, limit: p.limit ?? 100 },
    );
    return rows.map(scheduleFromRow);
  });
}
