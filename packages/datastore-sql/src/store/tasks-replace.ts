import type { Task } from '@rookery/core';
import type { SqlContext, Tx } from './sql-context.js';
import { readTasks } from './task-effects.js';
import type { Candidate } from './claim-candidates.js';

/** How many times a `replace` claim re-reads a slot that moved under it before giving up for this poll. */
const REPLACE_ROUNDS = 3;

/**
 * Splits the `replace` candidates of one claim batch (in claim order: earliest due first) into
 * the newest of each schedule, which will try to run, and the older ones it supersedes
 * (candidate id → id of the newer task).
 */
export function newestPerSchedule(candidates: readonly Candidate[]): { newest: Set<string>; superseded: Map<string, string> } {
  const latest = new Map<string, string>();
  for (const c of candidates) latest.set(c.scheduleId, c.id);
  const superseded = new Map<string, string>();
  for (const c of candidates) {
    const by = latest.get(c.scheduleId);
    if (by !== undefined && by !== c.id) superseded.set(c.id, by);
  }
  return { newest: new Set(latest.values()), superseded };
}

/**
 * Duplicate policy `replace`: takes the schedule's run slot for candidate `c`, cancelling the
 * task that holds it if that task is running. Locks are taken in the same order as renewals
 * (the task row, then the schedule row), so the two cannot deadlock:
 * 1. read the slot holder;
 * 2. cancel it if it is running: `cancelled`, fence + 1, lease cleared — its node can no longer
 *    renew or commit, and aborts the execution when its renewal reports the lease lost;
 * 3. move the slot from that holder to `c` (compare-and-set on the holder read in 1).
 * If the slot moved in between (a concurrent claim replaced the holder first), it starts again
 * from 1 with the new holder, at most three times; then `c` stays pending for the next poll.
 */
export async function replaceSlotHolder(
  ctx: SqlContext,
  tx: Tx,
  c: Candidate,
  now: number,
  expires: number,
): Promise<{ took: boolean; cancelled?: Task }> {
  let cancelled: Task | undefined;
  for (let round = 0; round < REPLACE_ROUNDS; round += 1) {
    const rows = await ctx.select('SELECT slot_task_id, slot_expires_at FROM rookery_schedules WHERE id = :id', { id: c.scheduleId }, tx);
    const holder = rows[0]?.['slot_task_id'] == null ? null : String(rows[0]['slot_task_id']);
    if (holder !== null && holder !== c.id) {
      const changed = await ctx.write(
        "UPDATE rookery_tasks SET state = 'cancelled', fence = fence + 1, lease_owner = NULL, lease_expires_at = NULL," +
          ' ended_at = :now, reason = :reason, version = version + 1, updated_at = :now' +
          " WHERE id = :holder AND state = 'running'",
        { holder, now, reason: `cancelled: replaced by task ${c.id}` },
        tx,
      );
      if (changed > 0) [cancelled] = await readTasks(ctx, [holder], tx);
    }
    const took = await ctx.write(
      'UPDATE rookery_schedules SET slot_task_id = :taskId, slot_expires_at = :expires, version = version + 1' +
        ` WHERE id = :scheduleId AND ${holder === null ? 'slot_task_id IS NULL' : 'slot_task_id = :holder'}`,
      { taskId: c.id, scheduleId: c.scheduleId, expires, ...(holder === null ? {} : { holder }) },
      tx,
    );
    if (took > 0) return cancelled ? { took: true, cancelled } : { took: true };
  }
  return cancelled ? { took: false, cancelled } : { took: false };
}
