import type { CallerTransactions, DatastoreInTransaction } from '../datastore/caller-transaction.js';
import type { Datastore } from '../datastore/datastore.js';
import { ValidationError } from '../errors/validation-error.js';

/** The `transaction` option of the client's writes that can join a caller's transaction. */
export interface TransactionOption<Handle> {
  /**
   * Your own open transaction: the write goes through it, so what it writes exists if and only
   * if that transaction commits (the transactional outbox), and nothing begins, commits or rolls
   * back but you. By database: a `pg` `Client` or a pool's `PoolClient` after `BEGIN`; a
   * `mysql2` connection (callback or promise API) after `START TRANSACTION` or `BEGIN`; a
   * `sqlite3` `Database` opened on the same file after `BEGIN IMMEDIATE`. Its type follows the
   * client's datastore (`never` for the in-memory store). A handle of another kind, or one
   * with no transaction open, is a ValidationError on `transaction` and nothing is written.
   * No `taskCreated` or `scheduleCreated` event is emitted (the client cannot know whether the
   * transaction commits); on PostgreSQL the wake signal is a NOTIFY inside the transaction,
   * delivered on commit, and elsewhere the nodes find the work by polling.
   * @defaultValue none: the write commits on its own
   */
  transaction?: Handle;
}

/**
 * The datastore operations for a write: inside the caller's transaction when one is given,
 * else the datastore itself. A ValidationError on `transaction` when the datastore cannot join one.
 */
export async function datastoreFor<Handle>(
  datastore: Datastore & Partial<CallerTransactions<Handle>>,
  transaction: Handle | undefined,
): Promise<DatastoreInTransaction> {
  if (transaction === undefined) return datastore;
  if (datastore.inTransaction === undefined)
    throw new ValidationError(
      'transaction',
      'is not supported by this datastore (the in-memory store has no transactions of yours to join)',
    );
  return datastore.inTransaction(transaction);
}
