import type { Clock } from '../../strategies/clock.js';
import type { Timer, Timers } from '../../strategies/timers.js';
import type { Attempt } from '../attempt.js';

/**
 * One timer at the earliest end of the running attempts' trust windows, so that an attempt
 * whose lease could not be renewed is aborted the moment its window ends, not up to a check
 * interval later: the margin between window and lease then absorbs only a stall of the node's
 * event loop, never the wait for the next periodic check.
 */
export class TrustAlarm {
  private timer: Timer | null = null;
  private armedAt = Infinity;

  /**
   * @param timers - where the timer is set
   * @param clock - the monotonic clock trust windows are measured on
   * @param attempts - the running attempts
   * @param check - aborts the attempts whose window has ended (and re-arms through {@link TrustAlarm.arm})
   */
  constructor(
    private readonly timers: Timers,
    private readonly clock: Clock,
    private readonly attempts: () => Iterable<Attempt>,
    private readonly check: () => void,
  ) {}

  /** Sets the timer at the earliest trust window end of the attempts still holding their lease. */
  arm(): void {
    let earliest = Infinity;
    for (const a of this.attempts()) if (!a.leaseLost) earliest = Math.min(earliest, a.trustUntil);
    if (earliest === this.armedAt) return;
    this.clear();
    if (earliest === Infinity) return;
    this.armedAt = earliest;
    // One millisecond past the end: the window has ended when the check reads the clock.
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.armedAt = Infinity;
      this.check();
    }, Math.max(0, earliest - this.clock.monotonic() + 1));
  }

  /** Cancels the timer. */
  clear(): void {
    this.timer?.cancel();
    this.timer = null;
    this.armedAt = Infinity;
  }
}
