/**
 * Worker slots of a node: how many attempts may run at once, in all and per executor. The
 * node asks for free slots before it claims tasks, so it never claims more than it can run.
 */
export interface WorkerPool {
  /** Free slots for `executor` now (the smaller of the global and the executor's own). */
  free(executor: string): number;
  /** Free slots overall now. */
  freeTotal(): number;
  /** Takes a slot; returns false when none is free. */
  acquire(executor: string): boolean;
  /** Gives a slot back. */
  release(executor: string): void;
  /** Attempts running now. */
  running(): number;
  /**
   * Told after each claim the node made for the pool's free slots: `asked` slots offered,
   * `got` tasks started. A claim that came back full says more tasks are due than slots were
   * free (a backlog): an autoscaling pool grows on it, and shrinks when claims come back short.
   */
  claimed?(asked: number, got: number): void;
}
