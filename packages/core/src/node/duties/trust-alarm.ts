import type { Timer } from '../../strategies/timers.js';
import type { NodeContext } from '../node-context.js';

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
   * @param ctx - the node: its running attempts, the monotonic clock their windows are measured on, its timers
   * @param check - aborts the attempts whose window has ended (and re-arms through {@link TrustAlarm.arm})
   */
  constructor(
    private readonly ctx: NodeContext,
    private readonly check: () => void,
  ) {}

  /** Sets the timer at the earliest trust window end of the attempts still holding their lease. */
  arm(): void {
    let earliest = Infinity;
    for (const a of this.ctx.attempts.values()) if (!a.leaseLost) earliest = Math.min(earliest, a.trustUntil);
    if (earliest === this.armedAt) return;
    this.clear();
    if (earliest === Infinity) return;
    this.armedAt = earliest;
    // One millisecond past the end: the window has ended when the check reads the clock.
    this.timer = this.ctx.timers.setTimeout(
      () => {
        this.timer = null;
        this.armedAt = Infinity;
        this.check();
      },
      Math.max(0, earliest - this.ctx.clock.monotonic() + 1),
    );
  }

  /** Cancels the timer. */
  clear(): void {
    this.timer?.cancel();
    this.timer = null;
    this.armedAt = Infinity;
  }
}
