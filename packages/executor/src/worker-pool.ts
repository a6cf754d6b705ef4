import { ValidationError } from '@rookery/core';
import type { WorkerPool as WorkerPoolContract } from '@rookery/core';
import { Autoscaler } from './autoscaler.js';
import { TokenBucket } from './token-bucket.js';

/** Options of {@link WorkerPool}. */
export interface WorkerPoolOptions {
  /** Attempts that may run at once on this node, across all executors (a fixed size). Not with `maxWorkers`. Default 10. */
  concurrency?: number;
  /** Limits of single executors, by name; never more than the pool's size in effect. */
  perExecutor?: Record<string, number>;
  /**
   * Starts per second of single executors on this node, by name: a token bucket that holds at
   * most one second's worth, so bursts never exceed the limit. For a limit across the whole
   * cluster, see the node's `clusterRateLimits`.
   */
  rateLimits?: Record<string, number>;
  /**
   * Autoscaling: the pool starts with `minWorkers` and grows toward `maxWorkers` while the
   * node's claims come back full (a backlog of due tasks), and shrinks back when they come back
   * short for `scaleDownAfterMs`. Setting it turns autoscaling on. Trade-off: a larger pool
   * drains a backlog sooner but holds more memory and database connections busy.
   */
  maxWorkers?: number;
  /** Fewest workers of an autoscaling pool. @defaultValue 1 */
  minWorkers?: number;
  /** Cool-down of an autoscaling pool: quiet time before each step down. @defaultValue 10 000 */
  scaleDownAfterMs?: number;
  /** Told when an autoscaling pool changes size (the CLI emits it as the `poolResized` event). */
  onResize?: (workers: number, running: number) => void;
  /** Monotonic clock in ms, for rate limits and cool-downs. @defaultValue performance.now */
  now?: () => number;
}

function checkMap(field: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(field, 'must be an object of executor name → number');
  }
  return value as Record<string, unknown>;
}

function checkLimit(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new ValidationError(field, `must be an integer ≥ 1, got ${String(value)}`);
  }
  return value;
}

/**
 * Worker slots of a node, with a global limit (fixed, or autoscaling between bounds with the
 * backlog), optional per-executor limits and per-executor rates. Free slots for an executor are
 * the smallest of the global, the executor's own and its rate's tokens. Not thread-safe and
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
  readonly #fixed: number;
  readonly #autoscaler: Autoscaler | undefined;
  readonly #onResize: ((workers: number, running: number) => void) | undefined;
  readonly #limits = new Map<string, number>();
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #running = new Map<string, number>();
  #total = 0;

  /**
   * @param options - limits; see {@link WorkerPoolOptions}
   * @throws ValidationError naming `concurrency`, `perExecutor.<name>`, `rateLimits.<name>`, `minWorkers`, `maxWorkers` or `scaleDownAfterMs`
   */
  constructor(options: WorkerPoolOptions = {}) {
    const now = options.now ?? (() => performance.now());
    this.#fixed = checkLimit('concurrency', options.concurrency ?? 10);
    for (const [name, limit] of Object.entries(checkMap('perExecutor', options.perExecutor))) {
      this.#limits.set(name, checkLimit(`perExecutor.${name}`, limit));
    }
    for (const [name, rate] of Object.entries(checkMap('rateLimits', options.rateLimits))) {
      this.#buckets.set(name, new TokenBucket(checkLimit(`rateLimits.${name}`, rate), now));
    }
    if (options.maxWorkers !== undefined) {
      if (options.concurrency !== undefined)
        throw new ValidationError('concurrency', 'a fixed size and maxWorkers (autoscaling) exclude each other');
      const max = checkLimit('maxWorkers', options.maxWorkers);
      const min = checkLimit('minWorkers', options.minWorkers ?? 1);
      if (min > max) throw new ValidationError('minWorkers', `must not exceed maxWorkers (${max}), got ${min}`);
      const coolDownMs = checkLimit('scaleDownAfterMs', options.scaleDownAfterMs ?? 10_000);
      this.#autoscaler = new Autoscaler({ min, max, coolDownMs, now });
    } else if (options.minWorkers !== undefined || options.scaleDownAfterMs !== undefined) {
      throw new ValidationError('maxWorkers', 'autoscaling needs maxWorkers');
    }
    this.#onResize = options.onResize;
  }

  /** The global limit now: the fixed size, or the autoscaled one. */
  get concurrency(): number {
    return this.#autoscaler?.size ?? this.#fixed;
  }

  /**
   * Told after each claim (see the core `WorkerPool.claimed`): an autoscaling pool grows when a
   * claim for all its free slots came back full, and shrinks after the cool-down when claims
   * come back short. A fixed pool ignores it.
   */
  claimed(asked: number, got: number): void {
    if (!this.#autoscaler) return;
    // A full claim grows the pool only if it asked for every free slot: one held back by an
    // executor's own limit or rate shows a backlog that more workers would not serve.
    if (got >= asked && asked < this.freeTotal() + got) return;
    if (this.#autoscaler.observe(asked, got, this.#total)) this.#onResize?.(this.concurrency, this.#total);
  }

  /** Free slots for `executor` now: the smallest of the global, the executor's own and its rate's tokens. */
  free(executor: string): number {
    const limit = this.#limits.get(executor);
    const own = limit === undefined ? Infinity : limit - this.running(executor);
    const tokens = this.#buckets.get(executor)?.available() ?? Infinity;
    return Math.max(0, Math.min(this.freeTotal(), own, tokens));
  }

  /** Free slots overall now. */
  freeTotal(): number {
    return Math.max(0, this.concurrency - this.#total);
  }

  /** Takes a slot for `executor`; returns false, taking nothing, when none is free. */
  acquire(executor: string): boolean {
    if (this.free(executor) < 1) return false;
    this.#buckets.get(executor)?.take();
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
      throw new Error(`WorkerPool invariant broken: release('${executor}') without a matching acquire (no slot held)`);
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
