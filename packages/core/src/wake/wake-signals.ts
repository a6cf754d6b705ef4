/**
 * What an announced due time is of.
 * - `'tasks'`: tasks that already exist (peeled, enqueued, retried, run now). Listeners claim
 *   at that time.
 * - `'schedules'`: a schedule's fire time (a new, resumed or changed schedule). Listeners first
 *   peel, half their lookahead ahead, then claim at that time.
 *
 * A hint without a kind counts as `'schedules'`: it costs a listener a peel query, never a
 * fire time.
 */
export type WakeKind = 'tasks' | 'schedules';

/**
 * Best-effort hints between processes that work falls due: a client that stores a schedule
 * due soon or enqueues a job, or a node that peels tasks, announces the due time; idle nodes
 * that listen wake at that time instead of at their next poll, and peel first only when the
 * hint is of a schedule. A hint may be lost, late or duplicated: every node still polls, so
 * correctness never depends on one. Implementations: `@rookery/messaging` (PostgreSQL
 * LISTEN/NOTIFY) and {@link noWakeSignals} (polling only).
 */
export interface WakeSignals {
  /**
   * Tells the other processes that work falls due at `dueAt` (database clock, epoch ms).
   * Never throws. @param kind - what falls due; @defaultValue `'schedules'`
   */
  announce(dueAt: number, kind?: WakeKind): void;
  /**
   * Announces `dueAt` inside a caller's open transaction (the `transaction` handle given to
   * `enqueue` or `createSchedule`), so that the hint goes out when that transaction commits and
   * never when it rolls back (PostgreSQL delivers a NOTIFY on commit). Absent where the
   * transport cannot: work written in a caller's transaction is then announced to nobody, and
   * the nodes find it by polling. Rejects when the statement fails (the caller's transaction
   * is then failed too). @param kind - as for `announce`
   */
  announceInTransaction?(dueAt: number, transaction: unknown, kind?: WakeKind): Promise<void>;
  /**
   * Calls `handler` with each due time another process announced and its kind (absent from a
   * transport that does not carry it: treat as `'schedules'`), until the returned function is
   * called. Errors of the transport go to `onError` (the node's `generalError`).
   */
  listen(handler: (dueAt: number, kind?: WakeKind) => void, onError: (error: unknown) => void): () => Promise<void>;
}

/** No hints: nodes find work by polling alone. The default. */
export const noWakeSignals: WakeSignals = {
  announce: () => undefined,
  listen: () => () => Promise.resolve(),
};
