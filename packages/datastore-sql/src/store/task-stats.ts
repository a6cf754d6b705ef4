import type { TaskStats, TaskStatsParams } from '@rookery/core';
import { num } from './row-mapping.js';
import type { SqlContext } from './sql-context.js';

/**
 * See `Datastore.taskStats`. Five reads one after another, outside a transaction (no lock held,
 * and none taken on SQLite, whose transactions take the write lock), each served by an index:
 * live counts and running tasks by node by the claim index `(state, …)`, ended counts by `ended_at` (migration 3),
 * starts and lateness samples by `started_at` (migration 10).
 */
export async function taskStats(ctx: SqlContext, p: TaskStatsParams): Promise<TaskStats> {
  return ctx.single('read task stats', async () => {
    const now = await ctx.now(p.now);
    const [live] = await ctx.select(
      "SELECT SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END) AS pending," +
        " SUM(CASE WHEN state = 'pending' AND due_at <= :now THEN 1 ELSE 0 END) AS due," +
        " SUM(CASE WHEN state = 'running' THEN 1 ELSE 0 END) AS running" +
        " FROM rookery_tasks WHERE state IN ('pending', 'running')",
      { now },
    );
    const byNode = await ctx.select(
      "SELECT node_id, COUNT(*) AS running FROM rookery_tasks WHERE state = 'running' AND node_id IS NOT NULL GROUP BY node_id ORDER BY node_id",
      {},
    );
    const [ended] = await ctx.select(
      "SELECT SUM(CASE WHEN state = 'completed' THEN 1 ELSE 0 END) AS completed," +
        " SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END) AS failed" +
        ' FROM rookery_tasks WHERE ended_at >= :since',
      { since: p.endedSince },
    );
    const [started] = await ctx.select('SELECT COUNT(*) AS started FROM rookery_tasks WHERE started_at >= :since', {
      since: p.startedSince,
    });
    const samples =
      p.latenessSamples === 0
        ? []
        : await ctx.select(
            `SELECT started_at, due_at FROM rookery_tasks WHERE started_at >= :since ORDER BY started_at DESC${ctx.dialect.limitClause()}`,
            { since: p.endedSince, limit: p.latenessSamples },
          );
    const count = (value: unknown): number => (value === null || value === undefined ? 0 : num(value));
    return {
      pending: count(live?.['pending']),
      due: count(live?.['due']),
      running: count(live?.['running']),
      runningByNode: byNode.map((r) => ({ nodeId: String(r['node_id']), running: num(r['running']) })),
      completedSince: count(ended?.['completed']),
      failedSince: count(ended?.['failed']),
      startedSince: count(started?.['started']),
      latenessMs: samples.map((r) => num(r['started_at']) - num(r['due_at'])),
    };
  });
}
