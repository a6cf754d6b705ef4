import type { DatabaseDialect, ResolvedTls } from '@rookery/core';
import type { Options, Sequelize, Transaction, TransactionOptions } from 'sequelize';
import type { FastPaths } from './fast-paths.js';

/** The SQL dialects this package speaks. MariaDB and MySQL share `mysql`. */
export type SqlDialectName = DatabaseDialect;

/** Connection settings parsed from a datastore URL, shared by every dialect. */
export interface ConnectionSettings {
  /** Host name (network dialects). */
  host?: string;
  /** TCP port (network dialects). */
  port?: number;
  /** Database name (network dialects). */
  database?: string;
  /** User name (network dialects). */
  username?: string;
  /** Password (network dialects). */
  password?: string;
  /** File path or `:memory:` (SQLite). */
  storage?: string;
  /** The TLS the connections use, certificates loaded; null for plaintext. */
  tls: ResolvedTls | null;
  /** Largest number of pooled connections. */
  poolMax: number;
  /** Connections the pool keeps open while idle. */
  poolMin: number;
  /** Longest a statement may run, ms. The lock-wait timeout derives from it. */
  statementTimeoutMs: number;
  /** Longest a session may sit idle in an open transaction before the server ends it, ms. */
  idleTransactionTimeoutMs: number;
  /** Session name shown by the database (PostgreSQL `application_name`, MariaDB `program_name`, MSSQL `appName`). */
  applicationName: string;
  /** Log every statement. */
  logging: boolean;
}

/**
 * Statements run straight on a driver connection with positional `?` parameters, leaving out
 * Sequelize's per-statement work (replacement escaping, a stack trace, result parsing), which
 * was a fifth of a node's busy time on the hot paths.
 */
export interface DirectStatements {
  /**
   * Runs a statement and answers its rows: a SELECT, or a write ending in `RETURNING`. With
   * {@link DirectStatements.joins}, `sql` may be `statements` statements joined by `;`, and the
   * answer is the last one's.
   */
  rows(connection: unknown, sql: string, values: unknown[], statements: number): Promise<Record<string, unknown>[]>;
  /** Runs an INSERT, UPDATE or DELETE and answers how many rows it changed (the last statement's, when joined). */
  count(connection: unknown, sql: string, values: unknown[], statements: number): Promise<number>;
  /**
   * With {@link DirectStatements.joins}: runs `statements` (two or more) statements joined by
   * `;` in one round trip and answers the rows of each of the last `reads` of them, in order (the
   * statements before them are writes whose answer is not needed).
   */
  rowsOfEach?(
    connection: unknown,
    sql: string,
    values: unknown[],
    statements: number,
    reads: number,
  ): Promise<Record<string, unknown>[][]>;
  /**
   * Several statements joined by `;` travel in one round trip (MariaDB/MySQL's multi-statement
   * queries). A transaction then sends a write whose answer it does not need together with its
   * next statement, and its `START TRANSACTION` with its first.
   */
  readonly joins: boolean;
}

/** Column types of the migrations: the only DDL that differs between dialects. */
export interface ColumnTypes {
  /** Primary keys and other ids (UUIDs). */
  id: string;
  /** A short string of up to `n` characters. */
  varchar(n: number): string;
  /** Long text: JSON documents, errors, log lines. */
  text: string;
  /** 64-bit integer: instants (epoch ms), fences, versions. */
  bigint: string;
  /** 32-bit integer. */
  int: string;
  /** An auto-increment 64-bit primary key column definition (`id` included). */
  autoIncrementPk: string;
  /** A case- and pad-sensitive binary string column for unique keys compared byte by byte. */
  binaryKey(n: number): string;
}

/**
 * Everything that differs between SQL dialects, as capability flags and the few SQL fragments
 * that cannot be shared (Kysely's `DialectAdapter`). Shared code branches on the flags, never
 * on {@link SqlDialect.name}.
 */
export interface SqlDialect {
  /** Dialect name, for messages and tests. */
  readonly name: SqlDialectName;
  /** `UPDATE … RETURNING` is available, saving a read-back. */
  readonly supportsReturning: boolean;
  /**
   * A multi-row insert-ignore can end in `RETURNING *` and answers the rows it inserted
   * (PostgreSQL; SQLite, whose statements run on the driver directly: Sequelize's layer would
   * run an INSERT without collecting the rows it returns).
   */
  readonly insertReturning: boolean;
  /**
   * The dialect's own one-round-trip forms of the store's hottest operations (PostgreSQL's
   * writable CTEs on prepared statements); absent where the store runs its generic SQL.
   */
  readonly fastPaths?: FastPaths;
  /**
   * The database clock is this host's clock (SQLite: every process on the file shares the
   * host), so the store reads it in-process rather than with a statement.
   */
  readonly hostClock: boolean;
  /**
   * Runs the store's statements on the driver directly, with positional `?` parameters;
   * absent where they go through Sequelize (PostgreSQL, whose hot paths are prepared statements
   * already and whose untyped parameters would need casts; MS SQL Server, untested).
   */
  readonly direct?: DirectStatements;
  /** The database has a single writer: the store serialises its own transactions in-process. */
  readonly singleWriter: boolean;
  /** SQL expression of the database clock, epoch milliseconds as a 64-bit integer. */
  readonly clockSql: string;
  /** Column types for migrations. */
  readonly types: ColumnTypes;
  /**
   * Placed after the table name of a claim's candidate SELECT, given the index that serves
   * it: MariaDB/MySQL force that index (InnoDB locks every row it reads, so a claim that
   * sorted instead of walking the index would lock, and hide from other claims, rows it does
   * not return); SQLite names it (`INDEXED BY`), as it plans without statistics; MSSQL adds
   * its lock hints.
   */
  claimTableHint(index: string): string;
  /**
   * Placed after the table name of a SELECT that reads, without locking, the index a claim
   * walks: MariaDB/MySQL force it, SQLite names it, PostgreSQL and MSSQL choose it themselves.
   */
  readIndexHint(index: string): string;
  /** Appended to a claim's candidate SELECT after the row limit (`FOR UPDATE SKIP LOCKED`). */
  readonly claimLockSuffix: string;
  /** Placed after the table name of a SELECT that locks the rows it reads until the transaction ends (MSSQL's lock hints). */
  readonly lockTableHint: string;
  /**
   * Appended to a SELECT that locks the rows it reads until the transaction ends (`FOR UPDATE`);
   * empty on SQLite, whose `BEGIN IMMEDIATE` already holds the database's one write lock.
   */
  readonly lockSuffix: string;
  /** Sequelize transaction options for the store's short transactions. */
  readonly transactionOptions: TransactionOptions;
  /** A row limit clause bound to the replacement `:limit`, placed after ORDER BY. */
  limitClause(): string;
  /** `CREATE TABLE` that does nothing when the table exists. */
  createTableSql(table: string, body: string): string;
  /**
   * `ALTER TABLE … ADD` of a nullable column that does nothing when the column exists.
   * SQLite has no such guard, so its statement is a plain `ADD COLUMN`: SQLite's DDL is
   * transactional and a migration runs in one transaction with its version record, so it is
   * never applied twice.
   */
  addColumnSql(table: string, column: string, type: string): string;
  /**
   * Widens a NOT NULL string column to `type`, keeping its indexes; re-runnable. Null where
   * the database does not enforce string lengths (SQLite).
   */
  widenColumnSql(table: string, column: string, type: string): string | null;
  /** `CREATE [UNIQUE] INDEX` that does nothing when the index exists. */
  createIndexSql(name: string, table: string, columns: string[], unique: boolean): string;
  /**
   * `CREATE UNIQUE INDEX` on one nullable column, doing nothing when the index exists, under
   * which any number of rows may hold NULL (SQL Server counts NULLs as equal, so its index is
   * filtered to the rows that hold a value).
   */
  uniqueWhenSetIndexSql(name: string, table: string, column: string): string;
  /**
   * `CREATE [UNIQUE] INDEX` over only the rows matching `where`, doing nothing when the index
   * exists (PostgreSQL and SQLite partial indexes, SQL Server filtered indexes): a row outside
   * `where` writes no entry. A query uses the index only when its own WHERE implies `where`
   * (`x < :v` implies `x IS NOT NULL`; `state = 'pending'` must appear as written). Absent
   * where the database has none (MariaDB/MySQL).
   */
  createPartialIndexSql?(name: string, table: string, columns: string[], where: string, unique: boolean): string;
  /** `DROP INDEX` that does nothing when the index is gone. */
  dropIndexSql(name: string, table: string): string;
  /**
   * Leaves `100 - percent` % of each new table page free, so that an update which changes no
   * indexed column can put the new row version on the same page and skip every index
   * (PostgreSQL's HOT updates); null where the engine has no such setting to gain from.
   */
  fillFactorSql(table: string, percent: number): string | null;
  /**
   * Statements (re-runnable) that make `rookery_tasks.dedupe_key` unique among live tasks
   * (state `pending` or `running`) only: a partial unique index where the database has one
   * (PostgreSQL, SQLite; a filtered index on MSSQL); on MariaDB/MySQL, which have none, a
   * stored generated column `live_key` (the key while live, else NULL) with a unique index.
   */
  liveKeyIndexSql(): string[];
  /**
   * Statements (re-runnable) indexing the jobs (tasks whose `schedule_id` is their own id) by
   * `(fire_at, id)`, so that the list of jobs only reads jobs: a partial index where its
   * predicate may compare two columns (PostgreSQL, SQLite). None on MariaDB/MySQL, which have
   * no partial indexes, nor on SQL Server, whose filtered indexes compare a column with
   * constants only: there the list walks `rookery_tasks_fire` and skips the schedules' tasks.
   */
  jobsListIndexSql(): string[];
  /** A condition matching the live tasks whose dedupe key is one of the replacement `:keys`, served by that index. */
  readonly liveKeyMatch: string;
  /**
   * An INSERT of one row that silently does nothing when a unique key is taken, and reports
   * 1 affected row when it inserted and 0 when it did not. Values are replacements named
   * after the columns (`:col`).
   */
  insertIgnoreSql(table: string, columns: readonly string[], uniqueKeys: readonly (readonly string[])[]): string;
  /**
   * An INSERT of many rows (`tuples`: the SQL of the `(…), (…)` list, such as a `:rows`
   * replacement of arrays) that skips every row whose unique key is taken and inserts the rest;
   * null where the database has no such statement (MSSQL), and rows go one by one through
   * {@link SqlDialect.insertIgnoreSql}.
   */
  insertIgnoreRowsSql(table: string, columns: readonly string[], tuples: string): string | null;
  /**
   * Sequelize options for this dialect: driver, pool, TLS, session settings and timeouts.
   * `driver` is the module `loadDriver` answered for this dialect.
   */
  sequelizeOptions(settings: ConnectionSettings, driver: object): Options;
  /**
   * `CREATE SCHEMA` of `schema` (already quoted) that does nothing when it exists; absent
   * where the dialect has no schemas within a database (SQLite, MySQL/MariaDB).
   */
  createSchemaSql?(schema: string): string;
  /** `name` quoted as an identifier. */
  quote(name: string): string;
  /** Called once after the Sequelize instance is built (SQLite configures every new connection). */
  install?(sequelize: Sequelize): void;
  /**
   * If `error` is a duplicate-key error of the driver, returns text naming the violated key
   * (constraint name or the driver's message); otherwise undefined.
   */
  duplicateKeyDetail(error: unknown): string | undefined;
  /** True for errors after which a whole transaction may be retried (deadlock, busy, serialization). */
  isRetryable(error: unknown): boolean;
  /**
   * Runs `fn` in a transaction holding the cluster-wide migration lock, so that concurrent
   * migrations serialise. Absent on single-writer dialects: there the store's own transaction
   * (`BEGIN IMMEDIATE` on its one connection) already holds the database's only write lock.
   */
  withMigrationLock?<T>(sequelize: Sequelize, fn: (tx: Transaction) => Promise<T>): Promise<T>;
}

/** The driver error inside a Sequelize error (`original`/`parent`), or the error itself. */
export function driverError(error: unknown): Record<string, unknown> {
  if (typeof error !== 'object' || error === null) return {};
  const e = error as Record<string, unknown>;
  const inner = e['original'] ?? e['parent'];
  if (typeof inner === 'object' && inner !== null) return inner as Record<string, unknown>;
  return e;
}

/** Message of the driver error inside `error` (Sequelize's own message is often just "Validation error"). */
export function errorMessage(error: unknown): string {
  const m = driverError(error)['message'];
  if (typeof m === 'string') return m;
  return error instanceof Error ? error.message : String(error);
}
