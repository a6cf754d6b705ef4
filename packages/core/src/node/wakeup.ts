import type { Timer, Timers } from '../strategies/timers.js';

/**
 * A sleep that can be cut short: the node loop waits on it between polls. A wake ends it at
 * once; a nudge (a worker slot came free, commits wait for a claim) ends it no sooner than the
 * sleep's `paceFrom`, so that a stream of attempts ending one by one does not turn into a
 * claim for each of them.
 */
export class Wakeup {
  private pending: (() => void) | null = null;
  private timer: Timer | null = null;
  /** When the current sleep's timer fires (monotonic). */
  private timerAt = Infinity;
  /** The current sleep's pace: a nudge ends it no sooner (monotonic). */
  private paceFrom = 0;
  private woken = false;
  private nudged = false;

  /**
   * @param timers - where the sleeps are timed
   * @param monotonic - the node's monotonic clock, ms
   */
  constructor(
    private readonly timers: Timers,
    private readonly monotonic: () => number,
  ) {}

  /**
   * Sleeps `ms`, or less if {@link Wakeup.wake} is called, or if {@link Wakeup.nudge} is
   * called and `paceFrom` (monotonic) has come; returns at once if woken meanwhile (or nudged,
   * once `paceFrom` has come).
   */
  sleep(ms: number, paceFrom = 0): Promise<void> {
    const now = this.monotonic();
    let wait = ms;
    if (this.woken || (this.nudged && now >= paceFrom)) {
      this.woken = false;
      this.nudged = false;
      return Promise.resolve();
    }
    if (this.nudged) {
      this.nudged = false;
      wait = Math.min(ms, paceFrom - now);
    }
    this.paceFrom = paceFrom;
    return new Promise((resolve) => {
      this.pending = resolve;
      this.arm(now, wait);
    });
  }

  /** True while a sleep is under way. */
  get sleeping(): boolean {
    return this.pending !== null;
  }

  /** Ends the current sleep (or the next one, if none is under way). */
  wake(): void {
    if (this.pending) this.fire();
    else this.woken = true;
  }

  /** Ends the current sleep once its pace allows (or the next one's, if none is under way). */
  nudge(): void {
    if (!this.pending) {
      this.nudged = true;
      return;
    }
    const now = this.monotonic();
    if (now >= this.paceFrom) this.fire();
    else if (this.timerAt > this.paceFrom) this.arm(now, this.paceFrom - now);
  }

  private arm(now: number, wait: number): void {
    this.timer?.cancel();
    this.timerAt = now + wait;
    this.timer = this.timers.setTimeout(() => this.fire(), wait);
  }

  private fire(): void {
    this.timer?.cancel();
    this.timer = null;
    this.timerAt = Infinity;
    const resolve = this.pending;
    this.pending = null;
    this.woken = false;
    this.nudged = false;
    resolve?.();
  }
}
