import {
  MISSED_DEADLINE_REASON,
  skipBusyReason,
  skipSupersededReason,
  type Task,
  type TaskClaimDueParams,
  type TaskClaimDueResult,
} from '@rookery/core';
import { candidateReads, lateRowsSql, selectCandidates } from './claim-candidates.js';
import type { SqlContext, Tx } from './sql-context.js';
import { markOnceSchedulesDone } from './schedules-done.js';
import {
  insertEvents,
  readTasks,
  ungateAtEnd,
  ungateAtStart,
  updateTasksReturning,
  type EventRow,
} from './task-effects.js';
import { queueBehind } from './tasks-queue.js';
import { newestPerSchedule, replaceSlotHolder } from './tasks-replace.js';
import { takeSlot, type SlotAnswer } from './run-slot.js';

/**
 * Claims due tasks in one short transaction of conditional statements: settles pending tasks
 * past their starting deadline as `missed`; picks due candidates (highest priority, then
 * earliest due; rows locked by a concurrent claim are skipped where supported; within the
 * executors' cluster-wide rate limits); takes the run slot for `skip` tasks or records them
 * `skipped`; for `replace` tasks asks a running holder to cancel and takes the slot once it is
 * free; starts the rest (fence + 1, attempt + 1, lease); ungates schedules gated on a start
 * or on a now-terminal task; records every transition. Where the dialect has a fast path
 * (`FastPaths.claimTasks`), it claims the common case (duplicate policy `run`, executor
 * without a rate limit), and only what it leaves over takes the transaction.
 */
export async function taskClaimDue(ctx: SqlContext, p: TaskClaimDueParams): Promise<TaskClaimDueResult> {
  const fast = ctx.dialect.fastPaths;
  if (p.limit <= 0 || !fast) return claimInTransaction(ctx, p);
  // The fast path claims the common case; the general claim takes what needs a run slot or a
  // rate limit, in a transaction of its own.
  const first = await fast.claimTasks(ctx, p);
  if (first.leftOver <= 0 || first.started.length >= p.limit) return { started: first.started, settled: first.missed };
  const rest = await claimInTransaction(ctx, { ...p, limit: p.limit - first.started.length });
  return { started: [...first.started, ...rest.started], settled: [...first.missed, ...rest.settled] };
}

/**
 * The general claim, in one short transaction of conditional statements (see {@link taskClaimDue}).
 */
export async function claimInTransaction(ctx: SqlContext, p: TaskClaimDueParams): Promise<TaskClaimDueResult> {
  if (p.limit <= 0) return { started: [], settled: [] };
  return ctx.transaction('claim due tasks', async (tx) => claimIn(ctx, tx, p, await ctx.now(p.now, tx)));
}

/** The general claim (see {@link taskClaimDue}) at `now`, in the caller's transaction `tx`. */
export async function claimIn(
  ctx: SqlContext,
  tx: Tx,
  p: TaskClaimDueParams,
  now: number,
): Promise<TaskClaimDueResult> {
  if (p.limit <= 0) return { started: [], settled: [] };
  const d = ctx.dialect;
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

  // 1. Pending tasks whose starting deadline has passed are missed. The reads the candidates
  // start from travel with this one.
  const [late = [], ...first] = await ctx.selectEach(
    [{ sql: lateRowsSql(d), replacements: { now, limit: p.limit } }, ...candidateReads(d, p.executors)],
    tx,
  );
  const lateIds = late.map((r) => String(r['id']));
  if (lateIds.length > 0) {
    await ctx.writeLater(
      "UPDATE rookery_tasks SET state = 'missed', ended_at = :now, reason = :reason, version = version + 1," +
        " updated_at = :now WHERE id IN (:ids) AND state = 'pending' AND deadline_at < :now",
      { ids: lateIds, now, reason: MISSED_DEADLINE_REASON },
      tx,
    );
  }

  // 2. Due candidates, within the executors' cluster-wide rate limits.
  const candidates = await selectCandidates(ctx, tx, p, now, first);

  // 3. Duplicate policies. `skip`: the run slot, or skipped, or (holder awaiting repair) left
  // pending. `queue`: the run slot, or wait behind its holder (one waiting at most; later ones
  // skipped). `replace`: the newest candidate of a schedule asks the running holder to cancel
  // and takes the slot once it is free, or waits for it; older candidates of the same schedule
  // in this batch are skipped.
  const startIds: string[] = [];
  const skipReasons = new Map<string, string>();
  const { newest, superseded } = newestPerSchedule(candidates.filter((c) => c.duplicate === 'replace'));
  for (const [id, by] of superseded) skipReasons.set(id, skipSupersededReason(by));
  for (const c of candidates) {
    if (c.duplicate === 'replace') {
      if (!newest.has(c.id)) continue;
      if ((await replaceSlotHolder(ctx, tx, c, now, expires)).kind === 'took') startIds.push(c.id);
      continue;
    }
    const slot: SlotAnswer =
      c.duplicate === 'skip' || c.duplicate === 'queue' ? await takeSlot(ctx, tx, c, now, expires) : { taken: true };
    if (slot.taken) startIds.push(c.id);
    else if (slot.expired)
      continue; // the holder awaits repair: this task stays pending until then
    else if (c.duplicate === 'skip') skipReasons.set(c.id, skipBusyReason(slot.holder));
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
  for (const t of [...missed, ...skipped]) await ungateAtEnd(ctx, tx, t.scheduleId, t.id, now);
  await markOnceSchedulesDone(
    ctx,
    tx,
    [...missed, ...skipped].map((t) => t.scheduleId),
    now,
  );
  events.push(
    ...started.map((t) => event(t, 'pending', null)),
    ...missed.map((t) => event(t, 'pending', MISSED_DEADLINE_REASON)),
    ...skipped.map((t) => event(t, 'pending', t.reason)),
  );
  await insertEvents(ctx, tx, events);
  return { started, settled: [...missed, ...skipped] };
}
