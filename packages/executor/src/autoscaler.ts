/** Options of {@link Autoscaler}. */
export interface AutoscalerOptions {
  /** Fewest workers. */
  min: number;
  /** Most workers. */
  max: number;
  /** Quiet time (no backlog seen) before each step down. */
  coolDownMs: number;
  /** A monotonic clock in ms. */
  now: () => number;
}

/**
 * Sizes a worker pool from what the node's claims say about the backlog of due tasks: a
 * claim that came back full (every free slot taken; more may be due) grows the pool by half
 * its size (at least one worker) up to `max`; once no full claim has been seen for
 * `coolDownMs`, each further claim that comes back short shrinks it by half its idle workers
 * (at least one), never below `min` nor below the workers busy, then waits another cool-down.
 */
export class Autoscaler {
  #size: number;
  #quietSince: number;

  /** @param options - bounds, cool-down, clock */
  constructor(private readonly options: AutoscalerOptions) {
    this.#size = options.min;
    this.#quietSince = options.now();
  }

  /** Workers now. */
  get size(): number {
    return this.#size;
  }

  /**
   * Takes the result of one claim: `asked` slots offered, `got` tasks started, `busy` workers
   * running afterwards. Returns true when the size changed.
   */
  observe(asked: number, got: number, busy: number): boolean {
    const { min, max, coolDownMs, now } = this.options;
    const before = this.#size;
    const t = now();
    if (asked > 0 && got >= asked) {
      this.#quietSince = t;
      this.#size = Math.min(max, this.#size + Math.max(1, Math.ceil(this.#size / 2)));
    } else if (t - this.#quietSince >= coolDownMs) {
      const idle = this.#size - busy;
      if (idle > 0) this.#size = Math.max(min, busy, this.#size - Math.max(1, Math.floor(idle / 2)));
      this.#quietSince = t;
    }
    return this.#size !== before;
  }
}
