import { TERMINAL_TASK_STATES, type HistoryPruneParams, type NodePruneParams } from '@rookery/core';
import type { SqlContext } from './sql-context.js';

/**
 * Deletes up to `limit` terminal tasks that ended before `endedBefore`, oldest first, with
 * their events and log lines, in one transaction. The candidate read walks the `ended_at`
 * index; the deletes are keyed by id and repeat the state test, so a row that changed since it
 * was read is left alone.
 */
export async function historyPrune(ctx: SqlContext, p: HistoryPruneParams): Promise<number> {
  if (p.limit <= 0) return 0;
  return ctx.transaction('prune history', async (tx) => {
    const rows = await ctx.select(
      'SELECT id FROM rookery_tasks WHERE ended_at < :endedBefore AND state IN (:terminal)' +
        ` ORDER BY ended_at${ctx.dialect.limitClause()}`,
      { endedBefore: p.endedBefore, terminal: [...TERMINAL_TASK_STATES], limit: p.limit },
      tx,
    );
    const ids = rows.map((r) => String(r['id']));
    if (ids.length === 0) return 0;
    const deleted = await ctx.write(
      'DELETE FROM rookery_tasks WHERE id IN (:ids) AND state IN (:terminal)',
      { ids, terminal: [...TERMINAL_TASK_STATES] },
      tx,
    );
    await ctx.write(
      'DELETE FROM rookery_task_events WHERE task_id IN (:ids) AND task_id NOT IN (SELECT id FROM rookery_tasks WHERE id IN (:ids))',
      { ids },
      tx,
    );
    await ctx.write(
      'DELETE FROM rookery_task_logs WHERE task_id IN (:ids) AND task_id NOT IN (SELECT id FROM rookery_tasks WHERE id IN (:ids))',
      { ids },
      tx,
    );
    return deleted;
  });
}

/** Deletes the records of nodes that stopped, or last heart-beat, before `seenBefore`. One statement. */
export async function nodePrune(ctx: SqlContext, p: NodePruneParams): Promise<number> {
  return ctx.single('prune nodes', () =>
    ctx.write(
      'DELETE FROM rookery_nodes WHERE (stopped_at IS NOT NULL AND stopped_at < :seenBefore) OR (stopped_at IS NULL AND heartbeat_at < :seenBefore)',
      { seenBefore: p.seenBefore },
    ),
  );
}
