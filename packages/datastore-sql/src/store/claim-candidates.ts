import { pickWithinRates, rateAllowance, type TaskClaimDueParams } from '@rookery/core';
import type { SqlDialect } from '../dialect/dialect.js';
import { num } from './row-mapping.js';
import { rateLimitsOf, rateLimitsRead, reserveStarts } from './rate-limits.js';
import type { Read, Row, SqlContext, Tx } from './sql-context.js';

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
 * The reads a claim's candidates start from, which depend on nothing else (the caller runs them
 * with its own, in one round trip where the database allows): the executors' rate limits, then
 * each executor's highest and lowest priority levels ({@link levelsSql}). Their rows go to
 * {@link selectCandidates}. None when the claim offers no executor.
 */
export function candidateReads(d: SqlDialect, executors: readonly string[]): Read[] {
  if (executors.length === 0) return [];
  return [
    rateLimitsRead(executors),
    ...[...new Set(executors)].map((executor) => ({
      sql: levelsSql(d, false),
      replacements: { executor, limit: 1 },
    })),
  ];
}

/**
 * Picks the due candidates of a claim (highest priority, then earliest due; rows locked by a
 * concurrent claim skipped where supported), at most `limit`, within the executors'
 * cluster-wide rate limits: each executor is read on its own ({@link dueRows}), up to `limit`,
 * or up to its allowance in the current window when it has a limit, whose starts are counted in
 * the window under a version guard. If a concurrent claim counted first, that executor's
 * candidates are dropped this time (never overrunning the window). `first` holds the rows of
 * {@link candidateReads}, in their order.
 */
export async function selectCandidates(
  ctx: SqlContext,
  tx: Tx,
  p: TaskClaimDueParams,
  now: number,
  first: readonly Row[][],
): Promise<Candidate[]> {
  if (p.executors.length === 0) return [];
  const [limitRows = [], ...levelRows] = first;
  const limits = rateLimitsOf(limitRows);
  const topLevels = new Map([...new Set(p.executors)].map((e, i) => [e, levelRows[i]?.[0]]));
  const free = p.executors.filter((e) => !limits.has(e));
  const queries: { executors: string[]; limit: number }[] =
    free.length > 0 ? [{ executors: free, limit: p.limit }] : [];
  for (const l of limits.values()) {
    const allowed = Math.min(p.limit, rateAllowance(l, now));
    if (allowed > 0) queries.push({ executors: [l.executor], limit: allowed });
  }
  const ranked: Ranked[] = [];
  for (const q of queries) ranked.push(...(await dueRows(ctx, tx, q.executors, q.limit, now, topLevels)).map(toRanked));
  ranked.sort((a, b) => b.priority - a.priority || a.dueAt - b.dueAt);
  const picked = pickWithinRates(
    ranked,
    (c) => c.executor,
    p.limit,
    (e) => {
      const l = limits.get(e);
      return l && rateAllowance(l, now);
    },
  );
  const dropped = new Set<string>();
  for (const l of limits.values()) {
    const starts = picked.filter((c) => c.executor === l.executor).length;
    if (starts > 0 && !(await reserveStarts(ctx, tx, l, now, starts))) dropped.add(l.executor);
  }
  return picked
    .filter((c) => !dropped.has(c.executor))
    .map(({ id, scheduleId, fireAt, duplicate }) => ({ id, scheduleId, fireAt, duplicate }));
}

/**
 * The due rows of `executors`, at most `limit` of each, in claim order. Each executor's pending
 * tasks are read one priority level at a time, highest first ({@link levelsSql} finds the
 * level, {@link dueRowsSql} reads it), so each read is a range of the executor claim index that
 * ends at the first row not yet due: neither the pending tasks of executors the node does not
 * offer nor tasks due later are read (nor, on InnoDB, locked). `topLevels` holds each
 * executor's first {@link levelsSql} row, already read. The caller ranks the union and takes
 * its own limit.
 */
async function dueRows(
  ctx: SqlContext,
  tx: Tx,
  executors: string[],
  limit: number,
  now: number,
  topLevels: ReadonlyMap<string, Row | undefined>,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const executor of new Set(executors)) {
    let left = limit;
    let below: number | null = null;
    while (left > 0) {
      const level =
        below === null
          ? topLevels.get(executor)
          : (await ctx.select(levelsSql(ctx.dialect, true), { executor, below, limit: 1 }, tx))[0];
      if (level?.['top'] === undefined || level['top'] === null) break;
      const priority = num(level['top']);
      const due = await ctx.select(dueRowsSql(ctx.dialect), { now, limit: left, executor, priority }, tx);
      rows.push(...due);
      left -= due.length;
      if (priority <= num(level['bottom'])) break;
      below = priority;
    }
  }
  return rows;
}

/**
 * The SELECT of an executor's highest priority level among its pending tasks (`top`), below
 * `:below` when `below`, and of its lowest (`bottom`), which says whether a lower level is left
 * (replacements `:executor`, `:below`, `:limit` = 1): two descents of the executor claim index,
 * on every database, as neither depends on the other. `top` is NULL when no level is left.
 * Exported for the plan tests.
 */
export function levelsSql(d: SqlDialect, below: boolean): string {
  const level = (order: 'DESC' | 'ASC', where: string): string =>
    `(SELECT priority FROM rookery_tasks${d.readIndexHint('rookery_tasks_executor_claim')}` +
    ` WHERE state = 'pending' AND executor = :executor${where} ORDER BY priority ${order}${d.limitClause()})`;
  return `SELECT ${level('DESC', below ? ' AND priority < :below' : '')} AS top, ${level('ASC', '')} AS bottom`;
}

/**
 * The SELECT of one executor's due rows of one priority level, earliest due first
 * (replacements `:executor`, `:priority`, `:now`, `:limit`): a range of the executor claim
 * index. Exported for the plan tests.
 */
export function dueRowsSql(d: SqlDialect): string {
  return (
    `SELECT id, schedule_id, fire_at, duplicate_policy, executor, priority, due_at FROM rookery_tasks${d.claimTableHint('rookery_tasks_executor_claim')}` +
    " WHERE state = 'pending' AND executor = :executor AND priority = :priority AND due_at <= :now" +
    ' AND (deadline_at IS NULL OR deadline_at >= :now)' +
    ` ORDER BY due_at${d.limitClause()}${d.claimLockSuffix}`
  );
}

/**
 * The SELECT of the pending tasks past their starting deadline, earliest first (replacements
 * `:now`, `:limit`), which a claim records as missed: a walk of the deadline index, which holds
 * pending tasks with a deadline only. Exported for the plan tests.
 */
export function lateRowsSql(d: SqlDialect): string {
  return (
    `SELECT id FROM rookery_tasks${d.claimTableHint('rookery_tasks_deadline')} WHERE state = 'pending' AND deadline_at < :now` +
    ` ORDER BY deadline_at${d.limitClause()}${d.claimLockSuffix}`
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
