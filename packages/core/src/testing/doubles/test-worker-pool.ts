import { ValidationError } from '../../errors/validation-error.js';
import type { WorkerPool } from '../../executor/worker-pool.js';

/** Options of {@link TestWorkerPool}. */
export interface TestWorkerPoolOptions {
  /**
   * Attempts that may run at once, in all.
   * @defaultValue 10
   */
  concurrency?: number;
  /** Attempts that may run at once per executor name; an executor not listed has only the global limit. */
  perExecutor?: Record<string, number>;
}

/**
 * A {@link WorkerPool} of fixed size for tests: a global slot count and optional per-executor
 * counts, nothing else (no autoscaling, no rate limits).
 */
export class TestWorkerPool implements WorkerPool {
  readonly #concurrency: number;
  readonly #perExecutor: Readonly<Record<string, number>>;
  readonly #running = new Map<string, number>();
  #total = 0;

  /**
   * @param options - see {@link TestWorkerPoolOptions}
   * @throws ValidationError on `concurrency` or `perExecutor.<name>` when not a whole number ≥ 1
   */
  constructor(options: TestWorkerPoolOptions = {}) {
    this.#concurrency = options.concurrency ?? 10;
    this.#perExecutor = { ...options.perExecutor };
    if (!Number.isInteger(this.#concurrency) || this.#concurrency < 1) {
      throw new ValidationError('concurrency', 'must be a whole number ≥ 1');
    }
    for (const [name, limit] of Object.entries(this.#perExecutor)) {
      if (!Number.isInteger(limit) || limit < 1)
        throw new ValidationError(`perExecutor.${name}`, 'must be a whole number ≥ 1');
    }
  }

  /** Free slots for `executor`: the smaller of the global and the executor's own. */
  free(executor: string): number {
    const own = this.#perExecutor[executor];
    const global = this.freeTotal();
    return Math.max(0, own === undefined ? global : Math.min(global, own - (this.#running.get(executor) ?? 0)));
  }

  /** Free slots overall. */
  freeTotal(): number {
    return Math.max(0, this.#concurrency - this.#total);
  }

  /** Takes a slot for `executor`; false when none is free. */
  acquire(executor: string): boolean {
    if (this.free(executor) <= 0) return false;
    this.#total += 1;
    this.#running.set(executor, (this.#running.get(executor) ?? 0) + 1);
    return true;
  }

  /**
   * Gives a slot of `executor` back.
   *
   * @throws Error if no slot of `executor` is held: the node released a slot it never took
   */
  release(executor: string): void {
    const held = this.#running.get(executor) ?? 0;
    if (held === 0) throw new Error(`TestWorkerPool: release('${executor}') without a matching acquire`);
    this.#total -= 1;
    this.#running.set(executor, held - 1);
  }

  /** Attempts running now. */
  running(): number {
    return this.#total;
  }
}
