import { advanceRateWindow, type RateLimit, type RateLimitSetParams, type RateWindow } from '@rookery/core';
import { num } from './row-mapping.js';
import type { Read, Row, SqlContext, Tx } from './sql-context.js';

/** One executor's stored rate limit, with the version that guards its window. */
export interface StoredRateLimit extends RateWindow {
  /** The executor. */
  executor: string;
  /** Bumped by every write of the row. */
  version: number;
}

/**
 * Sets or removes an executor's cluster-wide rate limit: an UPDATE, else an INSERT (and the
 * UPDATE again if a concurrent INSERT won). The window state is kept. Last write wins.
 */
export async function rateLimitSet(ctx: SqlContext, p: RateLimitSetParams): Promise<void> {
  await ctx.single('set rate limit', async () => {
    const now = await ctx.now(p.now);
    if (p.perSecond === null) {
      await ctx.write('DELETE FROM rookery_rate_limits WHERE executor = :executor', { executor: p.executor });
      return;
    }
    const r = { executor: p.executor, perSecond: p.perSecond, setBy: p.setBy, now };
    const update =
      'UPDATE rookery_rate_limits SET per_second = :perSecond, set_by = :setBy, version = version + 1, updated_at = :now' +
      ' WHERE executor = :executor';
    if ((await ctx.write(update, r)) > 0) return;
    try {
      await ctx.write(
        'INSERT INTO rookery_rate_limits (executor, per_second, window_start, window_count, set_by, version, updated_at)' +
          ' VALUES (:executor, :perSecond, 0, 0, :setBy, 1, :now)',
        r,
      );
    } catch (error) {
      if (ctx.dialect.duplicateKeyDetail(error) === undefined) throw error;
      await ctx.write(update, r);
    }
  });
}

/** The cluster-wide rate limits, by executor. */
export async function rateLimitList(ctx: SqlContext): Promise<RateLimit[]> {
  const rows = await ctx.single('list rate limits', () =>
    ctx.select('SELECT executor, per_second, set_by, updated_at FROM rookery_rate_limits ORDER BY executor'),
  );
  return rows.map((r) => ({
    executor: String(r['executor']),
    perSecond: num(r['per_second']),
    setBy: r['set_by'] === null || r['set_by'] === undefined ? null : String(r['set_by']),
    updatedAt: num(r['updated_at']),
  }));
}

/** The read of the rate limits of `executors` (at least one), inside a claim; its rows go to {@link rateLimitsOf}. */
export function rateLimitsRead(executors: readonly string[]): Read {
  return {
    sql: 'SELECT executor, per_second, window_start, window_count, version FROM rookery_rate_limits WHERE executor IN (:executors)',
    replacements: { executors: [...executors] },
  };
}

/** The rate limits of the rows of {@link rateLimitsRead}, by executor. */
export function rateLimitsOf(rows: readonly Row[]): Map<string, StoredRateLimit> {
  return new Map(
    rows.map((r) => {
      const l: StoredRateLimit = {
        executor: String(r['executor']),
        perSecond: num(r['per_second']),
        windowStart: num(r['window_start']),
        windowCount: num(r['window_count']),
        version: num(r['version']),
      };
      return [l.executor, l];
    }),
  );
}

/**
 * Counts `starts` more starts in the executor's window, conditional on the version read: a
 * concurrent claim that counted first makes this one fail (false), and the caller starts
 * none of that executor's tasks this time, so the window is never overrun.
 */
export async function reserveStarts(
  ctx: SqlContext,
  tx: Tx,
  limit: StoredRateLimit,
  now: number,
  starts: number,
): Promise<boolean> {
  const next = advanceRateWindow(limit, now, starts);
  const changed = await ctx.write(
    'UPDATE rookery_rate_limits SET window_start = :windowStart, window_count = :windowCount, version = version + 1' +
      ' WHERE executor = :executor AND version = :version',
    { windowStart: next.windowStart, windowCount: next.windowCount, executor: limit.executor, version: limit.version },
    tx,
  );
  return changed > 0;
}
