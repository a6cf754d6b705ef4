/**
 * A `pg` client inside your open transaction: a `Client`, or a `PoolClient` from
 * `pool.connect()`, after `BEGIN` (not the `Pool` itself: each of its queries may take another
 * connection). Described by the few calls the datastore makes, so any `pg` 8 release fits.
 */
export interface PgTransactionHandle {
  /** Runs a statement with `$1`-style parameters. */
  query(config: { text: string; values: unknown[] }): Promise<{ rows: Record<string, unknown>[] }>;
  /** `T` inside a transaction, `I` outside it, `E` in a failed one (in every current `pg` 8 release). */
  getTransactionStatus(): string | null;
}

/** The callback API of a `mysql2` connection (`mysql.createConnection`, `pool.getConnection`), as the datastore calls it. */
export interface MysqlCallbackConnection {
  /** Runs a statement with `?` parameters. */
  query(options: { sql: string; values: unknown[] }, callback: (error: Error | null, result: unknown) => void): unknown;
  /** Runs a prepared statement (present on connections, told apart from other drivers by it). */
  execute: unknown;
}

/**
 * The promise API of a `mysql2` connection (`mysql2/promise`), which wraps a callback
 * connection: the datastore sends its statements through that one.
 */
export interface MysqlPromiseConnection {
  /** Runs a statement; answers a promise. */
  query(sql: string): Promise<unknown>;
  /** Runs a prepared statement (present on connections, told apart from other drivers by it). */
  execute: unknown;
}

/**
 * A `mysql2` connection inside your open transaction (after `START TRANSACTION` or `BEGIN`):
 * either API, from `mysql2` or `mysql2/promise`, on its own or taken from a pool. Not a pool
 * itself: each of its queries may take another connection.
 */
export type MysqlTransactionHandle = MysqlCallbackConnection | MysqlPromiseConnection;

/**
 * A `sqlite3` `Database` you opened on the datastore's file, inside your open transaction.
 * Begin it with `BEGIN IMMEDIATE` and set `PRAGMA busy_timeout` on it: SQLite has one writer,
 * so a transaction that only takes the write lock at its first write can be refused with
 * `SQLITE_BUSY` while a node writes.
 */
export interface SqliteTransactionHandle {
  /** Runs a statement and collects its rows. */
  all(
    sql: string,
    params: unknown[],
    callback: (error: Error | null, rows: Record<string, unknown>[]) => void,
  ): unknown;
  /** Runs a statement. */
  run(sql: string, params: unknown[], callback: (this: { changes: number }, error: Error | null) => void): unknown;
  /** Runs statements with no parameters. */
  exec(sql: string, callback: (error: Error | null) => void): unknown;
}

/** A transaction handle of any SQL database the datastore speaks. */
export type SqlTransactionHandle = PgTransactionHandle | MysqlTransactionHandle | SqliteTransactionHandle;

/**
 * The transaction handle a datastore URL takes: {@link PgTransactionHandle} for
 * `postgres://…`, {@link MysqlTransactionHandle} for `mysql://…` and `mariadb://…`,
 * {@link SqliteTransactionHandle} for `sqlite:…`, and any of them for a URL whose scheme the
 * compiler cannot see (a `string` read from the environment; the datastore still checks the
 * handle at run time).
 */
export type TransactionHandleFor<Url extends string> = Url extends `postgres://${string}` | `postgresql://${string}`
  ? PgTransactionHandle
  : Url extends `mysql://${string}` | `mariadb://${string}`
    ? MysqlTransactionHandle
    : Url extends `sqlite:${string}`
      ? SqliteTransactionHandle
      : SqlTransactionHandle;
