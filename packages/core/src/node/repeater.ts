/**
 * Runs an async duty every `everyMs`, never two at once: the next run is scheduled when the
 * previous one has settled. The duty must not reject (wrap it in the node's guard).
 */
export class Repeater {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private inFlight: Promise<void> | null = null;

  /**
   * @param everyMs - pause between the end of one run and the start of the next
   * @param duty - the work; must report its own errors
   */
  constructor(
    private readonly everyMs: number,
    private readonly duty: () => Promise<void>,
  ) {
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
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
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
  }
}
