/**
 * Best-effort hints between processes that work falls due: a client that stores a schedule
 * due soon, or a node that peels tasks, announces the due time; idle nodes that listen wake at
 * that time instead of at their next poll. A hint may be lost, late or duplicated: every node
 * still polls, so correctness never depends on one. Implementations: `@rookery/messaging`
 * (PostgreSQL LISTEN/NOTIFY) and {@link noWakeSignals} (polling only).
 */
export interface WakeSignals {
  /** Tells the other processes that work falls due at `dueAt` (database clock, epoch ms). Never throws. */
  announce(dueAt: number): void;
  /**
   * Announces `dueAt` inside a caller's open transaction (the `transaction` handle given to
   * `enqueue` or `createSchedule`), so that the hint goes out when that transaction commits and
   * never when it rolls back (PostgreSQL delivers a NOTIFY on commit). Absent where the
   * transport cannot: work written in a caller's transaction is then announced to nobody, and
   * the nodes find it by polling. Rejects when the statement fails (the caller's transaction
   * is then failed too).
   */
  announceInTransaction?(dueAt: number, transaction: unknown): Promise<void>;
  /**
   * Calls `handler` with each due time another process announces, until the returned function
   * is called. Errors of the transport go to `onError` (the node's `generalError`).
   */
  listen(handler: (dueAt: number) => void, onError: (error: unknown) => void): () => Promise<void>;
}

/** No hints: nodes find work by polling alone. The default. */
export const noWakeSignals: WakeSignals = {
  announce: () => undefined,
  listen: () => () => Promise.resolve(),
};
