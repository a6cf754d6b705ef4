import {
  executorsOfferedSince,
  unresolvedReason,
  type Task,
  type TaskBacklogUnofferedParams,
  type TaskSettleUnresolvedParams,
  type UnofferedBacklog,
} from '@rookery/core';
import { nodeFromRow, num } from './row-mapping.js';
import type { SqlContext, Tx } from './sql-context.js';
import { markOnceSchedulesDone } from './schedules-done.js';
import { insertEvents, readTasks, ungateAtEnd } from './task-effects.js';

/**
 * Pending tasks by executor, due at or before `dueBy` when given, and the executors offered by
 * nodes seen at or after `offeredSince`; the backlog of the executors no such node offers. The
 * grouped read walks the executor claim index (migration 8).
 */
async function readUnoffered(
  ctx: SqlContext,
  tx: Tx,
  offeredSince: number,
  dueBy: number | null,
): Promise<UnofferedBacklog[]> {
  const offered = executorsOfferedSince(
    (await ctx.select('SELECT * FROM rookery_nodes', {}, tx)).map(nodeFromRow),
    offeredSince,
  );
  const rows = await ctx.select(
    "SELECT executor, COUNT(*) AS pending, MIN(due_at) AS oldest_due_at FROM rookery_tasks WHERE state = 'pending'" +
      `${dueBy === null ? '' : ' AND due_at <= :dueBy'} GROUP BY executor ORDER BY executor`,
    { dueBy },
    tx,
  );
  return rows
    .map((r) => ({ executor: String(r['executor']), pending: num(r['pending']), oldestDueAt: num(r['oldest_due_at']) }))
    .filter((b) => !offered.has(b.executor));
}

/** See `Datastore.taskBacklogUnoffered`. */
export async function taskBacklogUnoffered(
  ctx: SqlContext,
  p: TaskBacklogUnofferedParams,
): Promise<UnofferedBacklog[]> {
  return ctx.transaction('read unoffered backlog', (tx) => readUnoffered(ctx, tx, p.offeredSince, null));
}

/**
 * See `Datastore.taskSettleUnresolved`. Per unoffered executor, its oldest pending rows are
 * locked (skipping rows a concurrent claim or settle holds) and failed by primary key, still
 * conditional on `pending`.
 */
export async function taskSettleUnresolved(ctx: SqlContext, p: TaskSettleUnresolvedParams): Promise<Task[]> {
  if (p.limit <= 0) return [];
  const d = ctx.dialect;
  return ctx.transaction('settle unresolved tasks', async (tx) => {
    const now = await ctx.now(p.now, tx);
    const cutoff = now - p.unresolvedAfterMs;
    const settled: Task[] = [];
    for (const { executor } of await readUnoffered(ctx, tx, cutoff, cutoff)) {
      const left = p.limit - settled.length;
      if (left <= 0) break;
      const ids = (
        await ctx.select(
          `SELECT id FROM rookery_tasks${d.claimTableHint('rookery_tasks_executor_claim')} WHERE state = 'pending' AND executor = :executor` +
            ` AND due_at <= :cutoff ORDER BY priority DESC, due_at${d.limitClause()}${d.claimLockSuffix}`,
          { executor, cutoff, limit: left },
          tx,
        )
      ).map((r) => String(r['id']));
      if (ids.length === 0) continue;
      const reason = unresolvedReason(executor);
      await ctx.write(
        "UPDATE rookery_tasks SET state = 'failed', reason = :reason, error = :reason, ended_at = :now, version = version + 1," +
          " updated_at = :now WHERE id IN (:ids) AND state = 'pending'",
        { ids, reason, now },
        tx,
      );
      settled.push(
        ...(await readTasks(ctx, ids, tx)).filter(
          (t) => t.state === 'failed' && t.endedAt === now && t.reason === reason,
        ),
      );
    }
    for (const t of settled) await ungateAtEnd(ctx, tx, t.scheduleId, t.id, now);
    await markOnceSchedulesDone(
      ctx,
      tx,
      settled.map((t) => t.scheduleId),
      now,
    );
    await insertEvents(
      ctx,
      tx,
      settled.map((t) => ({
        taskId: t.id,
        at: now,
        from: 'pending',
        to: 'failed',
        nodeId: p.nodeId,
        reason: t.reason,
        fence: t.fence,
      })),
    );
    return settled;
  });
}
