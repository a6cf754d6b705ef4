import type { Timer, Timers } from '../strategies/timers.js';

/** A sleep that can be cut short: the node loop waits on it between polls. */
export class Wakeup {
  private pending: (() => void) | null = null;
  private timer: Timer | null = null;
  private woken = false;

  /** @param timers - where the sleeps are timed */
  constructor(private readonly timers: Timers) {}

  /** Sleeps `ms`, or less if {@link Wakeup.wake} is called; returns at once if woken meanwhile. */
  sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.pending = resolve;
      this.timer = this.timers.setTimeout(() => this.fire(), ms);
    });
  }

  /** Ends the current sleep (or the next one, if none is under way). */
  wake(): void {
    if (this.pending) this.fire();
    else this.woken = true;
  }

  private fire(): void {
    this.timer?.cancel();
    this.timer = null;
    const resolve = this.pending;
    this.pending = null;
    this.woken = false;
    resolve?.();
  }
}
