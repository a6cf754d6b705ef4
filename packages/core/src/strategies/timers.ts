/** A timer set by a {@link Timers} strategy. */
export interface Timer {
  /** Stops the timer if it has not fired. Idempotent. */
  cancel(): void;
}

/**
 * Where a node sets its timers: poll waits, due-time wake-ups, the repeating duties (keep,
 * trust window, repair, heartbeat), attempt timeouts, commit backoff and external polling. The
 * default is Node's own `setTimeout`; a simulation injects its own to step several nodes in one
 * process deterministically, freezing one node's timers while the others run (a paused
 * process), or dropping them all (a crashed one).
 */
export interface Timers {
  /**
   * Calls `fn` once after `ms` (as Node does: a delay under 1 ms counts as 1 ms; callers keep
   * delays at most 2³¹−1 ms, see `setLongTimeout` for longer ones).
   */
  setTimeout(fn: () => void, ms: number): Timer;
}

/** Node's own timers. */
export const systemTimers: Timers = {
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(handle) };
  },
};
