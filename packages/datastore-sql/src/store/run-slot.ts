import { numOrNull } from './row-mapping.js';
import type { SqlContext, Tx } from './sql-context.js';
import type { Candidate } from './claim-candidates.js';

/** What {@link takeSlot} found: the slot taken, or its holder and whether the holder's lease expired. */
export type SlotAnswer = { taken: true } | { taken: false; holder: string; expiresAt: number; expired: boolean };

/**
 * Takes the run slot of a `skip`, `queue` or `replace` schedule for `taskId`: one conditional UPDATE that
 * succeeds when the slot is free, already this task's, or held under an expired lease by a task
 * that is no longer `running`. A holder whose lease expired but that repair has not yet taken
 * back keeps the slot: its fence is still current, and a paused node may wake and run on
 * before it notices, so the new run waits for repair.
 */
export async function takeSlot(
  ctx: SqlContext,
  tx: Tx,
  c: Candidate,
  now: number,
  expires: number,
): Promise<SlotAnswer> {
  const taken = await ctx.write(
    'UPDATE rookery_schedules SET slot_task_id = :taskId, slot_expires_at = :expires, version = version + 1' +
      ' WHERE id = :scheduleId AND (slot_task_id IS NULL OR slot_task_id = :taskId' +
      ' OR ((slot_expires_at IS NULL OR slot_expires_at <= :now) AND NOT EXISTS (SELECT 1 FROM rookery_tasks h' +
      " WHERE h.id = rookery_schedules.slot_task_id AND h.state = 'running')))",
    { taskId: c.id, scheduleId: c.scheduleId, expires, now },
    tx,
  );
  if (taken > 0) return { taken: true };
  const rows = await ctx.select(
    'SELECT slot_task_id, slot_expires_at FROM rookery_schedules WHERE id = :id',
    { id: c.scheduleId },
    tx,
  );
  const expiresAt = numOrNull(rows[0]?.['slot_expires_at']);
  return {
    taken: false,
    holder: String(rows[0]?.['slot_task_id'] ?? 'unknown'),
    expiresAt: expiresAt ?? now,
    expired: expiresAt === null || expiresAt <= now,
  };
}
