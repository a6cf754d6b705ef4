/**
 * Where a node gets the time. Library code never calls `Date.now()` directly: tests inject a
 * clock, and the fault suite offsets one. Lease expiry and due-ness are still judged by the
 * database clock; this clock only plans fire times and local timers.
 */
export interface Clock {
  /** Wall-clock now, epoch ms. */
  now(): number;
  /** A monotonic reading in ms, for local trust windows; never goes back. */
  monotonic(): number;
}

/** The real clock: `Date.now()` and `performance.now()`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

/** A clock offset by a fixed number of ms from another (for skew experiments). */
export function offsetClock(base: Clock, offsetMs: () => number): Clock {
  return { now: () => base.now() + offsetMs(), monotonic: () => base.monotonic() };
}
