import type { LeaseHorizon } from '@rookery/core';
import { num, numOrNull } from './row-mapping.js';
import type { SqlContext } from './sql-context.js';

/**
 * The database clock, the earliest lease still to expire and whether a running task is
 * repairable already, in one SELECT over the running tasks (the repair index's rows) joined to
 * the clock read once: a task with an external execution or without a lease counts as
 * repairable, since its holder may hand it over at any time. Where the clock is this host's, it
 * is read in-process and bound.
 */
export async function taskLeaseHorizon(ctx: SqlContext): Promise<LeaseHorizon> {
  const d = ctx.dialect;
  return ctx.single('read the earliest lease expiry', async () => {
    const hostNow = d.hostClock ? Date.now() : undefined;
    // True or false, never null: a lease that is NULL counts as expired.
    const plain = 't.execution_id IS NULL AND t.lease_expires_at IS NOT NULL AND t.lease_expires_at > c.now';
    const rows = await ctx.select<{ now: unknown; next_expiry: unknown; repairable: unknown }>(
      `SELECT c.now AS now, MIN(CASE WHEN ${plain} THEN t.lease_expires_at END) AS next_expiry,` +
        ` MAX(CASE WHEN t.id IS NOT NULL AND NOT (${plain}) THEN 1 ELSE 0 END) AS repairable` +
        ` FROM (SELECT ${hostNow === undefined ? d.clockSql : ':now'} AS now) c` +
        ` LEFT JOIN rookery_tasks t ON t.state = 'running' GROUP BY c.now`,
      hostNow === undefined ? {} : { now: hostNow },
    );
    const row = rows[0];
    return {
      now: hostNow ?? num(row?.now),
      nextExpiryAt: numOrNull(row?.next_expiry),
      repairable: num(row?.repairable) === 1,
    };
  });
}
