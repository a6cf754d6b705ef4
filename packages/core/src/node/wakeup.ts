/** A sleep that can be cut short: the node loop waits on it between polls. */
export class Wakeup {
  private pending: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private woken = false;

  /** Sleeps `ms`, or less if {@link Wakeup.wake} is called; returns at once if woken meanwhile. */
  sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.pending = resolve;
      this.timer = setTimeout(() => this.fire(), ms);
    });
  }

  /** Ends the current sleep (or the next one, if none is under way). */
  wake(): void {
    if (this.pending) this.fire();
    else this.woken = true;
  }

  private fire(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const resolve = this.pending;
    this.pending = null;
    this.woken = false;
    resolve?.();
  }
}
