import type { Timer, Timers } from '../strategies/timers.js';

/**
 * Runs an async duty every `everyMs`, never two at once: the next run is scheduled when the
 * previous one has settled. The duty must not reject (wrap it in the node's guard).
 */
export class Repeater {
  private timer: Timer | null = null;
  private stopped = false;
  private inFlight: Promise<void> | null = null;

  /**
   * @param everyMs - pause between the end of one run and the start of the next
   * @param duty - the work; must report its own errors
   * @param timers - where the pauses are timed
   */
  constructor(
    private readonly everyMs: number,
    private readonly duty: () => Promise<void>,
    private readonly timers: Timers,
  ) {
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.inFlight = this.duty().finally(() => {
        this.inFlight = null;
        this.schedule();
      });
    }, this.everyMs);
  }

  /** Stops; resolves once the run under way, if any, has settled. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    await this.inFlight;
  }
}
