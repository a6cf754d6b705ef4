import type { LeaseHorizon } from '@rookery/core';
import type { SqlContext } from './sql-context.js';

/**
 * The database clock and the earliest instant a running task may be repaired or adopted, in
 * one SELECT over the running tasks (the repair index's rows): a task with an external
 * execution or without a lease counts as expiring at 0, since its holder may hand it over at
 * any time. Where the clock is this host's, it is read in-process and bound.
 */
export async function taskLeaseHorizon(ctx: SqlContext): Promise<LeaseHorizon> {
  const d = ctx.dialect;
  return ctx.single('read the earliest lease expiry', async () => {
    const hostNow = d.hostClock ? Date.now() : undefined;
    const rows = await ctx.select<{ now: unknown; earliest: unknown }>(
      `SELECT ${hostNow === undefined ? d.clockSql : ':now'} AS now,` +
        ' MIN(CASE WHEN execution_id IS NULL THEN COALESCE(lease_expires_at, 0) ELSE 0 END) AS earliest' +
        ` FROM rookery_tasks WHERE state = 'running'`,
      hostNow === undefined ? {} : { now: hostNow },
    );
    const row = rows[0];
    return {
      now: hostNow ?? Number(row?.now),
      earliestExpiryAt: row?.earliest === null || row?.earliest === undefined ? null : Number(row.earliest),
    };
  });
}
