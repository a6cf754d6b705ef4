/**
 * A token bucket: `perSecond` tokens a second, holding at most `perSecond` (a burst of one
 * second's worth). Time comes from `now` (monotonic ms), so tests inject it.
 */
export class TokenBucket {
  #tokens: number;
  #at: number;

  /**
   * @param perSecond - tokens added per second, and the most the bucket holds
   * @param now - a monotonic clock in ms
   */
  constructor(
    readonly perSecond: number,
    private readonly now: () => number,
  ) {
    this.#tokens = perSecond;
    this.#at = now();
  }

  /** Whole tokens available now. */
  available(): number {
    this.#refill();
    return Math.floor(this.#tokens);
  }

  /** Takes one token; returns false, taking nothing, when none is available. */
  take(): boolean {
    if (this.available() < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  #refill(): void {
    const now = this.now();
    this.#tokens = Math.min(this.perSecond, this.#tokens + ((now - this.#at) * this.perSecond) / 1_000);
    this.#at = now;
  }
}
