import { queueWaitReason, skipQueueFullReason } from '@rookery/core';
import type { SqlContext, Tx } from './sql-context.js';
import type { Candidate } from './claim-candidates.js';

/** What became of a `queue` candidate whose schedule's run slot was busy. */
export type QueueDecision = { kind: 'waiting' } | { kind: 'skipped'; reason: string };

/**
 * Duplicate policy `queue` (at most one waiting): candidate `c` found its schedule's run slot
 * held by `holder`. If an older task of the schedule is already waiting (pending, never
 * started, due by its fire time, and not being started by this same claim), `c` is skipped.
 * Otherwise `c` waits: it stays pending with its due time moved to the slot's expiry, so that
 * polls do not pick it again and again; the release of the slot (the holder's finish or
 * repair) makes it due at once, and a holder whose lease runs out lets it through at expiry.
 */
export async function queueBehind(
  ctx: SqlContext,
  tx: Tx,
  c: Candidate,
  holder: { taskId: string; expiresAt: number },
  startingIds: readonly string[],
  now: number,
): Promise<QueueDecision> {
  const older = await ctx.select(
    "SELECT id FROM rookery_tasks WHERE schedule_id = :scheduleId AND state = 'pending' AND attempt = 0" +
      ` AND fire_at < :fireAt AND id <> :id${startingIds.length ? ' AND id NOT IN (:startingIds)' : ''}` +
      ` ORDER BY fire_at${ctx.dialect.limitClause()}`,
    {
      scheduleId: c.scheduleId,
      fireAt: c.fireAt,
      id: c.id,
      limit: 1,
      ...(startingIds.length ? { startingIds: [...startingIds] } : {}),
    },
    tx,
  );
  const waiting = older[0]?.['id'];
  if (waiting != null) return { kind: 'skipped', reason: skipQueueFullReason(String(waiting), holder.taskId) };
  await ctx.write(
    "UPDATE rookery_tasks SET due_at = :dueAt, reason = :reason, version = version + 1, updated_at = :now WHERE id = :id AND state = 'pending'",
    { id: c.id, dueAt: Math.max(holder.expiresAt, now + 1), reason: queueWaitReason(holder.taskId), now },
    tx,
  );
  return { kind: 'waiting' };
}
