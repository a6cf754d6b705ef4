import type { Datastore } from './datastore.js';

/**
 * What a datastore does inside a transaction its caller opened and ends: the reads and writes
 * of {@link RookeryClient.enqueue}, `enqueueMany` and `createSchedule`, every one of them sent
 * through the caller's own connection, so that what they write exists if and only if the
 * caller's transaction commits (the transactional outbox). Nothing here begins, commits or
 * rolls back: the caller does.
 */
export type DatastoreInTransaction = Pick<Datastore, 'clockNow' | 'nodeList' | 'taskEnqueue' | 'scheduleCreate'>;

/**
 * A datastore that can write in its caller's open transaction, given as a driver handle of
 * type `Handle` (a `pg` client inside `BEGIN`, a `mysql2` connection, a `sqlite3` database).
 * The in-memory store has none: its `transaction` option has type `never`.
 */
export interface CallerTransactions<Handle> {
  /**
   * The datastore's operations inside `handle`'s open transaction. Checks first that `handle` is
   * a connection of this datastore's kind and that a transaction is open on it: a
   * ValidationError on field `transaction` otherwise, and nothing is written.
   */
  inTransaction(handle: Handle): Promise<DatastoreInTransaction>;
}

/** The handle type a datastore accepts as its caller's transaction (`never` when it accepts none). */
export type TransactionHandleOf<D> = D extends CallerTransactions<infer Handle> ? Handle : never;
