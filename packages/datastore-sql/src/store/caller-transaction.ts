import { ValidationError } from '@rookery/core';
import { driverError, type DirectStatements, type SqlDialect } from '../dialect/dialect.js';
import type { MysqlCallbackConnection, PgTransactionHandle } from '../transaction/handles.js';
import { toPositional } from './positional-sql.js';
import type { Replacements, Row } from './sql-context.js';

/** How a statement runs on the caller's connection: its rows, or how many rows it changed. */
export interface CallerStatements {
  /** Runs a SELECT (or `… RETURNING`) and answers its rows. */
  rows(sql: string, replacements: Replacements): Promise<Row[]>;
  /** Runs a write and answers how many rows it changed. */
  count(sql: string, replacements: Replacements): Promise<number>;
}

/**
 * A transaction the caller opened on a connection of their own and will commit or roll back
 * themselves: the store's statements run on that connection, one at a time, with no BEGIN,
 * COMMIT or retry of the store's (a deadlock fails the caller's whole transaction, which only
 * the caller can run again). Made by {@link openCallerTransaction}.
 */
export class CallerTransaction {
  /** @param statements - how a statement runs on the caller's connection */
  constructor(readonly statements: CallerStatements) {}
}

/**
 * Checks that `handle` is a connection of `dialect`'s driver with a transaction open on it,
 * and wraps it: a ValidationError on field `transaction` otherwise (nothing is written).
 */
export async function openCallerTransaction(dialect: SqlDialect, handle: unknown): Promise<CallerTransaction> {
  const direct = dialect.direct;
  if (dialect.name === 'postgres') return new CallerTransaction(pgStatements(handle));
  if (dialect.name === 'mysql' && direct) return new CallerTransaction(await mysqlStatements(handle, direct));
  if (dialect.name === 'sqlite' && direct) return new CallerTransaction(await sqliteStatements(handle, direct));
  throw new ValidationError('transaction', `is not supported on ${dialect.name}`);
}

/** `value`'s properties, for duck-typing a driver handle. */
function propertiesOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/** What a handle is, for the message refusing it. */
function describe(handle: unknown): string {
  if (typeof handle !== 'object' || handle === null) return handle === null ? 'null' : `a ${typeof handle}`;
  return `a ${handle.constructor.name || 'plain object'}`;
}

/** A `pg` client (not a pool: it has no transaction status) with a transaction open. */
function pgStatements(handle: unknown): CallerStatements {
  const h = propertiesOf(handle);
  if (typeof h['query'] !== 'function' || typeof h['getTransactionStatus'] !== 'function') {
    throw new ValidationError(
      'transaction',
      `must be a pg Client or PoolClient inside BEGIN on this PostgreSQL datastore, got ${describe(handle)}`,
    );
  }
  const client = handle as PgTransactionHandle;
  const status = client.getTransactionStatus();
  if (status === 'E') throw new ValidationError('transaction', 'is a failed transaction: roll it back and begin again');
  if (status !== 'T') throw new ValidationError('transaction', 'has no transaction open: call BEGIN on it first');
  const run = async (sql: string, replacements: Replacements): Promise<{ rows: Row[]; rowCount?: number | null }> => {
    const statement = toPositional(sql, replacements, (n) => `$${n}`);
    return client.query({ text: statement.sql, values: statement.values });
  };
  return {
    rows: async (sql, replacements) => (await run(sql, replacements)).rows,
    count: async (sql, replacements) => (await run(sql, replacements)).rowCount ?? 0,
  };
}

/** The statements of a driver connection through the dialect's {@link DirectStatements}, one statement at a time. */
function directStatements(connection: unknown, direct: DirectStatements): CallerStatements {
  return {
    rows: (sql, replacements) => {
      const s = toPositional(sql, replacements, '?');
      return direct.rows(connection, s.sql, s.values, 1);
    },
    count: (sql, replacements) => {
      const s = toPositional(sql, replacements, '?');
      return direct.count(connection, s.sql, s.values, 1);
    },
  };
}

/** MySQL's error for a system variable it does not have (`@@in_transaction` is MariaDB's). */
const UNKNOWN_SYSTEM_VARIABLE = 1193;

/**
 * A `mysql2` connection, callback or promise API (whose callback connection is its
 * `connection`), with a transaction open: MariaDB tells by `@@in_transaction`; MySQL has no
 * such variable, and its handle is trusted.
 */
async function mysqlStatements(handle: unknown, direct: DirectStatements): Promise<CallerStatements> {
  const h = propertiesOf(handle);
  const inner = propertiesOf(h['connection']);
  const isConnection = (c: Record<string, unknown>): boolean =>
    typeof c['query'] === 'function' && typeof c['execute'] === 'function' && typeof c['getConnection'] !== 'function';
  const connection = isConnection(inner)
    ? (inner as unknown as MysqlCallbackConnection)
    : isConnection(h)
      ? (handle as MysqlCallbackConnection)
      : null;
  if (connection === null) {
    throw new ValidationError(
      'transaction',
      `must be a mysql2 connection (not a pool) inside START TRANSACTION on this MariaDB/MySQL datastore, got ${describe(handle)}`,
    );
  }
  const statements = directStatements(connection, direct);
  try {
    const [row] = await statements.rows('SELECT @@in_transaction AS open', {});
    if (Number(row?.['open']) !== 1)
      throw new ValidationError('transaction', 'has no transaction open: call START TRANSACTION on it first');
  } catch (error) {
    if (driverError(error)['errno'] !== UNKNOWN_SYSTEM_VARIABLE) throw error;
  }
  return statements;
}

/**
 * A `sqlite3` `Database` with a transaction open. SQLite tells by refusing a `BEGIN` inside a
 * transaction; a `BEGIN` it accepts is rolled back at once and the handle refused.
 */
async function sqliteStatements(handle: unknown, direct: DirectStatements): Promise<CallerStatements> {
  const h = propertiesOf(handle);
  if (typeof h['all'] !== 'function' || typeof h['run'] !== 'function' || typeof h['exec'] !== 'function') {
    throw new ValidationError(
      'transaction',
      `must be a sqlite3 Database inside BEGIN on this SQLite datastore, got ${describe(handle)}`,
    );
  }
  const statements = directStatements(handle, direct);
  try {
    await statements.count('BEGIN', {});
  } catch (error) {
    if (/within a transaction/i.test(String(driverError(error)['message']))) return statements;
    throw error;
  }
  await statements.count('ROLLBACK', {});
  throw new ValidationError('transaction', 'has no transaction open: run BEGIN IMMEDIATE on it first');
}
