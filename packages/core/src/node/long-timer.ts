import { systemTimers, type Timer, type Timers } from '../strategies/timers.js';

/** The longest delay Node's timers honour; a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/** A timer that may be longer than {@link MAX_TIMER_MS}; `cancel` stops it. */
export interface LongTimer {
  /** Stops the timer. Idempotent. */
  cancel(): void;
}

/** Calls `fn` once after `ms`, however long, by chaining timers (of `timers`) no longer than Node allows. */
export function setLongTimeout(fn: () => void, ms: number, timers: Timers = systemTimers): LongTimer {
  let timer: Timer;
  const arm = (left: number): void => {
    timer = timers.setTimeout(
      () => (left > MAX_TIMER_MS ? arm(left - MAX_TIMER_MS) : fn()),
      Math.min(left, MAX_TIMER_MS),
    );
  };
  arm(Math.max(0, ms));
  return { cancel: () => timer.cancel() };
}
