import type { Task, TaskClaimDueParams, TaskClaimDueResult } from '@rookery/core';
import { selectCandidates, type Candidate } from './claim-candidates.js';
import { numOrNull } from './row-mapping.js';
import type { SqlContext, Tx } from './sql-context.js';
import { insertEvents, readTasks, ungateAtEnd, ungateAtStart, updateTasksReturning, type EventRow } from './task-effects.js';
import { claimStatement, MISSED_REASON } from './tasks-claim-statement.js';
import { queueBehind } from './tasks-queue.js';
import { newestPerSchedule, replaceSlotHolder } from './tasks-replace.js';

/** What {@link takeSlot} found: the slot taken, or its holder and whether the holder's lease expired. */
type SlotAnswer = { taken: true } | { taken: false; holder: string; expiresAt: number; expired: boolean };

/**
 * Takes the run slot of a `skip` or `queue` schedule for `taskId`: one conditional UPDATE that
 * succeeds when the slot is free, already this task's, or held under an expired lease by a task
 * that is no longer `running`. A holder whose lease expired but that repair has not yet taken
 * back keeps the slot: its fence is still current, and a paused node may wake and run on
 * before it notices, so the new run waits for repair.
 */
async function takeSlot(ctx: SqlContext, tx: Tx, c: Candidate, now: number, expires: number): Promise<SlotAnswer> {
  const taken = await ctx.write(
    'UPDATE rookery_schedules SET slot_task_id = :taskId, slot_expires_at = :expires, version = version + 1' +
      ' WHERE id = :scheduleId AND (slot_task_id IS NULL OR slot_task_id = :taskId' +
      ' OR ((slot_expires_at IS NULL OR slot_expires_at <= :now) AND NOT EXISTS (SELECT 1 FROM rookery_tasks h' +
      " WHERE h.id = rookery_schedules.slot_task_id AND h.state = 'running')))",
    { taskId: c.id, scheduleId: c.scheduleId, expires, now },
    tx,
  );
  if (taken > 0) return { taken: true };
  const rows = await ctx.select('SELECT slot_task_id, slot_expires_at FROM rookery_schedules WHERE id = :id', { id: c.scheduleId }, tx);
  const expiresAt = numOrNull(rows[0]?.['slot_expires_at']);
  return { taken: false, holder: String(rows[0]?.['slot_task_id'] ?? 'unknown'), expiresAt: expiresAt ?? now, expired: expiresAt === null || expiresAt <= now };
}

/**
 * Claims due tasks in one short transaction of conditional statements: settles pending tasks
 * past their starting deadline as `missed`; picks due candidates (highest priority, then
 * earliest due; rows locked by a concurrent claim are skipped where supported; within the
 * executors' cluster-wide rate limits); takes the run slot for `skip` tasks or records them
 * `skipped`; for `replace` tasks takes it from a running holder, which is cancelled under a new
 * fence; starts the rest (fence + 1, attempt + 1, lease); ungates schedules gated on a start
 * or on a now-terminal task; records every transition. On dialects with writable CTEs the
 * common case (duplicate policy `run`, executor without a rate limit) is claimed by one
 * statement ({@link claimStatement}), and only what it leaves over takes the transaction.
 */
export async function taskClaimDue(ctx: SqlContext, p: TaskClaimDueParams): Promise<TaskClaimDueResult> {
  if (p.limit <= 0 || !ctx.dialect.writableCtes) return claimInTransaction(ctx, p);
  // One statement claims the common case; the general claim takes what needs a run slot or a
  // rate limit, in a transaction of its own.
  const first = await claimStatement(ctx, p);
  if (first.leftOver <= 0 || first.started.length >= p.limit) return { started: first.started, settled: first.missed };
  const rest = await claimInTransaction(ctx, { ...p, limit: p.limit - first.started.length });
  return { started: [...first.started, ...rest.started], settled: [...first.missed, ...rest.settled] };
}

/**
 * The general claim, in one short transaction of conditional statements (see {@link taskClaimDue}).
 */
async function claimInTransaction(ctx: SqlContext, p: TaskClaimDueParams): Promise<TaskClaimDueResult> {
  if (p.limit <= 0) return { started: [], settled: [] };
  const d = ctx.dialect;
  return ctx.transaction('claim due tasks', async (tx) => {
    const now = await ctx.now(p.now, tx);
    const expires = now + p.leaseMs;
    const events: EventRow[] = [];
    const event = (t: Task, from: 'pending', reason: string | null): EventRow => ({
      taskId: t.id,
      at: now,
      from,
      to: t.state,
      nodeId: p.nodeId,
      reason,
      fence: t.fence,
    });

    // 1. Pending tasks whose starting deadline has passed are missed.
    const late = await ctx.select(
      `SELECT id FROM rookery_tasks${d.claimTableHint('rookery_tasks_deadline')} WHERE state = 'pending' AND deadline_at < :now` +
        ` ORDER BY deadline_at${d.limitClause()}${d.claimLockSuffix}`,
      { now, limit: p.limit },
      tx,
    );
    const lateIds = late.map((r) => String(r['id']));
    if (lateIds.length > 0) {
      await ctx.writeLater(
        "UPDATE rookery_tasks SET state = 'missed', ended_at = :now, reason = :reason, version = version + 1," +
          " updated_at = :now WHERE id IN (:ids) AND state = 'pending' AND deadline_at < :now",
        { ids: lateIds, now, reason: MISSED_REASON },
        tx,
      );
    }

    // 2. Due candidates, within the executors' cluster-wide rate limits.
    const candidates = await selectCandidates(ctx, tx, p, now);

    // 3. Duplicate policies. `skip`: the run slot, or skipped, or (holder awaiting repair) left
    // pending. `queue`: the run slot, or wait behind its holder (one waiting at most; later ones
    // skipped). `replace`: the newest candidate of a schedule takes the slot, cancelling the
    // running holder under a new fence; older candidates of the same schedule in this batch are
    // skipped.
    const startIds: string[] = [];
    const skipReasons = new Map<string, string>();
    const replaced: Task[] = [];
    const { newest, superseded } = newestPerSchedule(candidates.filter((c) => c.duplicate === 'replace'));
    for (const [id, by] of superseded) skipReasons.set(id, `skipped: replaced by newer task ${by}`);
    for (const c of candidates) {
      if (c.duplicate === 'replace') {
        if (!newest.has(c.id)) continue;
        const result = await replaceSlotHolder(ctx, tx, c, now, expires);
        if (result.cancelled) replaced.push(result.cancelled);
        if (result.took) startIds.push(c.id);
        continue;
      }
      const slot: SlotAnswer = c.duplicate === 'skip' || c.duplicate === 'queue' ? await takeSlot(ctx, tx, c, now, expires) : { taken: true };
      if (slot.taken) startIds.push(c.id);
      else if (slot.expired) continue; // the holder awaits repair: this task stays pending until then
      else if (c.duplicate === 'skip') skipReasons.set(c.id, `skipped: schedule busy with task ${slot.holder}`);
      else {
        const decision = await queueBehind(ctx, tx, c, { taskId: slot.holder, expiresAt: slot.expiresAt }, startIds, now);
        if (decision.kind === 'skipped') skipReasons.set(c.id, decision.reason);
      }
    }
    for (const [id, reason] of skipReasons) {
      await ctx.writeLater(
        "UPDATE rookery_tasks SET state = 'skipped', ended_at = :now, reason = :reason, version = version + 1," +
          " updated_at = :now WHERE id = :id AND state = 'pending'",
        { id, reason, now },
        tx,
      );
    }

    // 4. Start. The candidates are locked (FOR UPDATE, or the database's one write lock) and
    // still pending, so the UPDATE finds them by primary key alone.
    const started = (
      await updateTasksReturning(
        ctx,
        tx,
        "UPDATE rookery_tasks SET state = 'running', fence = fence + 1, attempt = attempt + 1, version = version + 1," +
          ' lease_owner = :owner, lease_expires_at = :expires, node_id = :nodeId, started_at = :now, updated_at = :now' +
          ' WHERE id IN (:ids)',
        { ids: startIds, owner: p.owner, expires, nodeId: p.nodeId, now },
        startIds,
      )
    ).filter((t) => t.state === 'running' && t.leaseOwner === p.owner && t.leaseExpiresAt === expires);

    // 5. Gates, events.
    const missed = (await readTasks(ctx, lateIds, tx)).filter((t) => t.state === 'missed' && t.endedAt === now);
    const skipped = (await readTasks(ctx, [...skipReasons.keys()], tx)).filter(
      (t) => t.state === 'skipped' && t.endedAt === now,
    );
    await ungateAtStart(ctx, tx, started, now);
    for (const t of [...missed, ...skipped, ...replaced]) await ungateAtEnd(ctx, tx, t.scheduleId, t.id, now);
    events.push(
      ...replaced.map((t) => ({ ...event(t, 'pending', t.reason), from: 'running' as const })),
      ...started.map((t) => event(t, 'pending', null)),
      ...missed.map((t) => event(t, 'pending', MISSED_REASON)),
      ...skipped.map((t) => event(t, 'pending', t.reason)),
    );
    await insertEvents(ctx, tx, events);
    return { started, settled: [...missed, ...skipped, ...replaced] };
  });
}
