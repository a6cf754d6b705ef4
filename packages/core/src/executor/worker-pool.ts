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
}
