/**
 * Cluster-wide rate limits count starts in fixed one-second windows of the database clock: a
 * window begins at each whole second, and at most `perSecond` tasks of the executor start in
 * it, whichever nodes start them. Every store keeps this state and applies it inside its claim.
 */
export const RATE_WINDOW_MS = 1_000;

/** The stored state of one executor's rate limit. */
export interface RateWindow {
  /** Starts allowed per window. */
  perSecond: number;
  /** Start of the window `windowCount` counts, epoch ms. */
  windowStart: number;
  /** Starts counted in that window. */
  windowCount: number;
}

/** Start of the window that holds `now`. */
export function rateWindowStart(now: number): number {
  return Math.floor(now / RATE_WINDOW_MS) * RATE_WINDOW_MS;
}

/** Starts still allowed at `now`. */
export function rateAllowance(w: RateWindow, now: number): number {
  const used = w.windowStart === rateWindowStart(now) ? w.windowCount : 0;
  return Math.max(0, w.perSecond - used);
}

/** The window state after `starts` more starts at `now`. */
export function advanceRateWindow(w: RateWindow, now: number, starts: number): RateWindow {
  const start = rateWindowStart(now);
  return {
    perSecond: w.perSecond,
    windowStart: start,
    windowCount: (w.windowStart === start ? w.windowCount : 0) + starts,
  };
}

/**
 * Takes candidates in order, at most `limit`, leaving out those of an executor whose allowance
 * is used up. `allowance` is undefined for an executor without a limit.
 */
export function pickWithinRates<T>(
  ordered: readonly T[],
  executorOf: (c: T) => string,
  limit: number,
  allowance: (executor: string) => number | undefined,
): T[] {
  const used = new Map<string, number>();
  const picked: T[] = [];
  for (const c of ordered) {
    if (picked.length >= limit) break;
    const e = executorOf(c);
    const allowed = allowance(e);
    const n = used.get(e) ?? 0;
    if (allowed !== undefined && n >= allowed) continue;
    used.set(e, n + 1);
    picked.push(c);
  }
  return picked;
}
