import type { Timer, Timers } from '../strategies/timers.js';

/**
 * Runs an async duty every `everyMs`, never two at once: the next run is scheduled when the
 * previous one has settled, after the pause `everyMs` gives then (a number, or a function
 * asked after each run). The duty must not reject (wrap it in the node's guard).
 */
export class Repeater {
  private timer: Timer | null = null;
  private stopped = false;
  private inFlight: Promise<void> | null = null;
  /** A nudge came while a run was under way: the next run follows it at once. */
  private nudged = false;

  /**
   * @param everyMs - pause between the end of one run and the start of the next (a function is
   *   asked for it each time)
   * @param duty - the work; must report its own errors
   * @param timers - where the pauses are timed
   */
  constructor(
    private readonly everyMs: number | (() => number),
    private readonly duty: () => Promise<void>,
    private readonly timers: Timers,
  ) {
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    const pauseMs = this.nudged ? 0 : typeof this.everyMs === 'number' ? this.everyMs : this.everyMs();
    this.nudged = false;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.inFlight = this.duty().finally(() => {
        this.inFlight = null;
        this.schedule();
      });
    }, pauseMs);
  }

  /** Runs the duty now rather than after the pause; a run under way is followed by another at once. */
  nudge(): void {
    if (this.stopped) return;
    this.nudged = true;
    if (this.inFlight) return;
    this.timer?.cancel();
    this.schedule();
  }

  /** Stops; resolves once the run under way, if any, has settled. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    await this.inFlight;
  }
}
