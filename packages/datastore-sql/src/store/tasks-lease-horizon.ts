import type { LeaseHorizon } from '@rookery/core';
import { leaseExpired } from './lease-sql.js';
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
    // A running row (t.id set) is repairable already, or its lease expires later.
    const repairable = `t.id IS NOT NULL AND (t.execution_id IS NOT NULL OR ${leaseExpired('c.now', 't')})`;
    const rows = await ctx.select<{ now: unknown; next_expiry: unknown; repairable: unknown }>(
      `SELECT c.now AS now, MAX(CASE WHEN ${repairable} THEN 1 ELSE 0 END) AS repairable,` +
        ` MIN(CASE WHEN NOT (${repairable}) THEN t.lease_expires_at END) AS next_expiry` +
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
