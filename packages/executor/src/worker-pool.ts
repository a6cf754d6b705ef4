import { ValidationError } from '@rookery/core';
import type { WorkerPool as WorkerPoolContract } from '@rookery/core';

/** Options of {@link WorkerPool}. */
export interface WorkerPoolOptions {
  /** Attempts that may run at once on this node, across all executors. Default 10. */
  concurrency?: number;
  /** Limits of single executors, by name; never more than `concurrency` in effect. */
  perExecutor?: Record<string, number>;
}

function checkLimit(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new ValidationError(field, `must be an integer ≥ 1, got ${String(value)}`);
  }
  return value;
}

/**
 * Worker slots of a node, with a global limit and optional per-executor limits. Free slots
 * for an executor are the smaller of the global and the executor's own. Not thread-safe and
 * not needed to be: a node is one event loop.
 *
 * @example
 * ```ts
 * const pool = new WorkerPool({ concurrency: 8, perExecutor: { 'send-mail': 2 } });
 * if (pool.acquire('send-mail')) {
 *   try { await run(); } finally { pool.release('send-mail'); }
 * }
 * ```
 */
export class WorkerPool implements WorkerPoolContract {
  /** The global limit. */
  readonly concurrency: number;
  readonly #limits = new Map<string, number>();
  readonly #running = new Map<string, number>();
  #total = 0;

  /**
   * @param options - limits; see {@link WorkerPoolOptions}
   * @throws ValidationError naming `concurrency` or `perExecutor.<name>`
   */
  constructor(options: WorkerPoolOptions = {}) {
    this.concurrency = checkLimit('concurrency', options.concurrency ?? 10);
    const per: unknown = options.perExecutor ?? {};
    if (typeof per !== 'object' || per === null || Array.isArray(per)) {
      throw new ValidationError('perExecutor', 'must be an object of executor name → limit');
    }
    for (const [name, limit] of Object.entries(per)) {
      this.#limits.set(name, checkLimit(`perExecutor.${name}`, limit));
    }
  }

  /** Free slots for `executor` now: the smaller of the global and the executor's own. */
  free(executor: string): number {
    const limit = this.#limits.get(executor);
    const own = limit === undefined ? Infinity : limit - this.running(executor);
    return Math.max(0, Math.min(this.freeTotal(), own));
  }

  /** Free slots overall now. */
  freeTotal(): number {
    return Math.max(0, this.concurrency - this.#total);
  }

  /** Takes a slot for `executor`; returns false, taking nothing, when none is free. */
  acquire(executor: string): boolean {
    if (this.free(executor) < 1) return false;
    this.#running.set(executor, this.running(executor) + 1);
    this.#total++;
    return true;
  }

  /**
   * Gives back a slot of `executor`.
   *
   * @throws Error if no slot of `executor` is held: release without acquire is a bug of the caller
   */
  release(executor: string): void {
    const held = this.running(executor);
    if (held < 1) {
      throw new Error(
        `WorkerPool invariant broken: release('${executor}') without a matching acquire (no slot held)`,
      );
    }
    if (held === 1) this.#running.delete(executor);
    else this.#running.set(executor, held - 1);
    this.#total--;
  }

  /** Attempts running now, in all or of one executor. */
  running(executor?: string): number {
    return executor === undefined ? this.#total : (this.#running.get(executor) ?? 0);
  }
}
