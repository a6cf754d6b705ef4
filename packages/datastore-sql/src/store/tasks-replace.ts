import { replaceCancelReason, replaceWaitReason } from '@rookery/core';
import type { SqlContext, Tx } from './sql-context.js';
import type { Candidate } from './claim-candidates.js';
import { takeSlot } from './run-slot.js';

/** How many times a `replace` claim re-reads a slot that moved under it before giving up for this poll. */
const REPLACE_ROUNDS = 3;

/** What became of a `replace` candidate: it took the run slot, or it waits for the holder to end. */
export type ReplaceDecision = { kind: 'took' } | { kind: 'waiting' };

/**
 * Splits the `replace` candidates of one claim batch into the newest (latest fire time) of each
 * schedule, which will try to run, and the older ones it supersedes (candidate id → id of the
 * newer task). Candidates due at the same instant (waiting tasks a finish made due together)
 * are told apart by their fire times.
 */
export function newestPerSchedule(candidates: readonly Candidate[]): {
  newest: Set<string>;
  superseded: Map<string, string>;
} {
  const latestCandidate = new Map<string, Candidate>();
  for (const c of candidates) {
    const seen = latestCandidate.get(c.scheduleId);
    if (seen === undefined || c.fireAt >= seen.fireAt) latestCandidate.set(c.scheduleId, c);
  }
  const latest = new Map([...latestCandidate].map(([scheduleId, c]) => [scheduleId, c.id]));
  const superseded = new Map<string, string>();
  for (const c of candidates) {
    const by = latest.get(c.scheduleId);
    if (by !== undefined && by !== c.id) superseded.set(c.id, by);
  }
  return { newest: new Set(latest.values()), superseded };
}

/**
 * Duplicate policy `replace` for candidate `c`: asks the task holding its schedule's run slot
 * to stop, and takes the slot only once it is free. Locks are taken in the same order as
 * renewals and finishes (the holder's task row, then the schedule row), so they cannot deadlock:
 * 1. read the slot holder;
 * 2. if another task holds it and is running, set its cancel request (reason
 *    {@link replaceCancelReason}): its node aborts the attempt on its next cancel check and
 *    commits it `cancelled` once the attempt has ended; if its node died, repair settles it
 *    `cancelled` rather than running it again;
 * 3. take the slot as a `skip` claim does: free, already `c`'s, or held under an expired lease
 *    by a task that is no longer running;
 * 4. otherwise `c` stays pending: while the holder's lease is current, due again at the slot's
 *    expiry with reason {@link replaceWaitReason} (the holder's finish or repair releases the
 *    slot and makes it due at once, as for `queue`); while the holder awaits repair, as it is.
 * If the slot moved in between (a concurrent claim took it), it starts again from 1 with the
 * new holder, at most three times; then `c` stays pending for the next poll.
 */
export async function replaceSlotHolder(
  ctx: SqlContext,
  tx: Tx,
  c: Candidate,
  now: number,
  expires: number,
): Promise<ReplaceDecision> {
  for (let round = 0; round < REPLACE_ROUNDS; round += 1) {
    const rows = await ctx.select(
      'SELECT slot_task_id FROM rookery_schedules WHERE id = :id',
      { id: c.scheduleId },
      tx,
    );
    const holder = rows[0]?.['slot_task_id'] == null ? null : String(rows[0]['slot_task_id']);
    if (holder !== null && holder !== c.id) {
      await ctx.write(
        'UPDATE rookery_tasks SET cancel_requested = 1, reason = :reason, version = version + 1, updated_at = :now' +
          " WHERE id = :holder AND state = 'running' AND cancel_requested = 0",
        { holder, now, reason: replaceCancelReason(c.id) },
        tx,
      );
    }
    const slot = await takeSlot(ctx, tx, c, now, expires);
    if (slot.taken) return { kind: 'took' };
    if (slot.holder !== holder) continue;
    // An expired holder still running awaits repair (its fence is still current): `c` stays due.
    if (slot.expired) return { kind: 'waiting' };
    await ctx.write(
      "UPDATE rookery_tasks SET due_at = :dueAt, reason = :reason, version = version + 1, updated_at = :now WHERE id = :id AND state = 'pending'",
      { id: c.id, dueAt: Math.max(slot.expiresAt, now + 1), reason: replaceWaitReason(slot.holder), now },
      tx,
    );
    return { kind: 'waiting' };
  }
  return { kind: 'waiting' };
}
