import { pickWithinRates, rateAllowance, type TaskClaimDueParams } from '@rookery/core';
import { num } from './row-mapping.js';
import { readRateLimits, reserveStarts } from './rate-limits.js';
import type { Row, SqlContext, Tx } from './sql-context.js';

/** A due pending task picked as a claim candidate. */
export interface Candidate {
  id: string;
  scheduleId: string;
  fireAt: number;
  duplicate: string;
}

interface Ranked extends Candidate {
  executor: string;
  priority: number;
  dueAt: number;
}

/**
 * Picks the due candidates of a claim (highest priority, then earliest due; rows locked by a
 * concurrent claim skipped where supported), at most `limit`, within the executors'
 * cluster-wide rate limits: executors without a limit share one query; each limited executor
 * is queried up to its allowance in the current window, and its starts are counted in the
 * window under a version guard. If a concurrent claim counted first, that executor's
 * candidates are dropped this time (never overrunning the window).
 */
export async function selectCandidates(ctx: SqlContext, tx: Tx, p: TaskClaimDueParams, now: number): Promise<Candidate[]> {
  if (p.executors.length === 0) return [];
  const limits = await readRateLimits(ctx, tx, p.executors);
  const free = p.executors.filter((e) => !limits.has(e));
  const queries: { executors: string[]; limit: number }[] = free.length > 0 ? [{ executors: free, limit: p.limit }] : [];
  for (const l of limits.values()) {
    const allowed = Math.min(p.limit, rateAllowance(l, now));
    if (allowed > 0) queries.push({ executors: [l.executor], limit: allowed });
  }
  const ranked: Ranked[] = [];
  for (const q of queries) ranked.push(...(await dueRows(ctx, tx, q.executors, q.limit, now)).map(toRanked));
  if (queries.length > 1) ranked.sort((a, b) => b.priority - a.priority || a.dueAt - b.dueAt);
  const picked = pickWithinRates(ranked, (c) => c.executor, p.limit, (e) => {
    const l = limits.get(e);
    return l && rateAllowance(l, now);
  });
  const dropped = new Set<string>();
  for (const l of limits.values()) {
    const starts = picked.filter((c) => c.executor === l.executor).length;
    if (starts > 0 && !(await reserveStarts(ctx, tx, l, now, starts))) dropped.add(l.executor);
  }
  return picked.filter((c) => !dropped.has(c.executor)).map(({ id, scheduleId, fireAt, duplicate }) => ({ id, scheduleId, fireAt, duplicate }));
}

async function dueRows(ctx: SqlContext, tx: Tx, executors: string[], limit: number, now: number): Promise<Row[]> {
  const d = ctx.dialect;
  return ctx.select(
    `SELECT id, schedule_id, fire_at, duplicate_policy, executor, priority, due_at FROM rookery_tasks${d.claimTableHint('rookery_tasks_claim')}` +
      " WHERE state = 'pending' AND due_at <= :now AND (deadline_at IS NULL OR deadline_at >= :now)" +
      ` AND executor IN (:executors) ORDER BY priority DESC, due_at${d.limitClause()}${d.claimLockSuffix}`,
    { now, limit, executors },
    tx,
  );
}

function toRanked(r: Row): Ranked {
  return {
    id: String(r['id']),
    scheduleId: String(r['schedule_id']),
    fireAt: num(r['fire_at']),
    duplicate: String(r['duplicate_policy']),
    executor: String(r['executor']),
    priority: num(r['priority']),
    dueAt: num(r['due_at']),
  };
}
