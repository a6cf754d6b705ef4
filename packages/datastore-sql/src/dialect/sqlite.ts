import { Transaction, type Options, type Sequelize } from 'sequelize';
import {
  driverError,
  errorMessage,
  type ConnectionSettings,
  type DirectStatements,
  type SqlDialect,
} from './dialect.js';
import { jobsListIndexSql, partialIndexSql } from './partial-indexes.js';

/** The parts of a `sqlite3.Database` the dialect touches. */
interface SqliteConnection {
  exec(sql: string, callback: (error: Error | null) => void): void;
  all(sql: string, params: unknown[], callback: (error: Error | null, rows: Record<string, unknown>[]) => void): void;
  run(sql: string, params: unknown[], callback: (this: { changes: number }, error: Error | null) => void): void;
}

/**
 * Statements on the `sqlite3` connection itself. `all` steps a statement to its end, so an
 * `INSERT … RETURNING` answers its rows here (Sequelize's layer runs an INSERT without them).
 */
const sqliteStatements: DirectStatements = {
  // `all` and `run` run the first statement of a text and ignore the rest.
  joins: false,
  rows: (connection, sql, values) =>
    new Promise((resolve, reject) =>
      (connection as SqliteConnection).all(sql, values, (error, rows) => (error ? reject(error) : resolve(rows))),
    ),
  count: (connection, sql, values) =>
    new Promise((resolve, reject) =>
      (connection as SqliteConnection).run(sql, values, function (error) {
        if (error) reject(error);
        else resolve(this.changes);
      }),
    ),
};

/** The parts of Sequelize's SQLite connection manager the dialect wraps. */
interface SqliteConnectionManager {
  getConnection(options?: unknown): Promise<SqliteConnection>;
}

const configured = new WeakSet<SqliteConnection>();

/**
 * Per-connection settings. Sequelize opens a new `sqlite3.Database` for every transaction and
 * runs no connect hook for SQLite, so these run on each new connection before its first use.
 * `busy_timeout` first: the WAL switch itself may have to wait for another process. It is
 * short on purpose: the store retries a busy transaction itself with short jittered pauses
 * for up to 15 s, which shares the write lock fairly between processes.
 */
const CONNECTION_PRAGMAS = [
  'PRAGMA busy_timeout = 20',
  'PRAGMA journal_mode = WAL',
  'PRAGMA synchronous = NORMAL',
  'PRAGMA foreign_keys = ON',
].join(';\n');

function exec(connection: SqliteConnection, sql: string): Promise<void> {
  return new Promise((resolve, reject) => connection.exec(sql, (error) => (error ? reject(error) : resolve())));
}

/**
 * SQLite (3.42 or later for `unixepoch('subsec')`; the `sqlite3` package bundles a newer one).
 * One writer at a time: transactions are `BEGIN IMMEDIATE`, so several processes on one file
 * queue on the write lock (up to `busy_timeout`) instead of deadlocking on a read-to-write
 * upgrade; within one process the store also serialises its own transactions. No server clock:
 * the clock is the host's, which every process on the file shares, read in-process. Statements
 * run on the `sqlite3` connection directly.
 */
export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  supportsReturning: true,
  insertReturning: true,
  hostClock: true,
  direct: sqliteStatements,
  singleWriter: true,
  clockSql: "CAST(unixepoch('subsec') * 1000 AS INTEGER)",
  types: {
    id: 'VARCHAR(36)',
    varchar: (n) => `VARCHAR(${n})`,
    text: 'TEXT',
    bigint: 'BIGINT',
    int: 'INTEGER',
    autoIncrementPk: 'id INTEGER PRIMARY KEY AUTOINCREMENT',
    // SQLite's default BINARY collation compares bytes and does not pad.
    binaryKey: (n) => `VARCHAR(${n})`,
  },
  // Without statistics (SQLite gathers none unless asked), the planner served the missed-task
  // read from the state index and sorted every pending task for each claim: 38-56 ms a claim
  // beside 100,000 pending tasks of an executor no node offers, against 3 ms beside none.
  // INDEXED BY makes each claim walk the index named for it, or fail if it cannot.
  readIndexHint: (index) => ` INDEXED BY ${index}`,
  claimTableHint: (index) => ` INDEXED BY ${index}`,
  claimLockSuffix: '',
  lockTableHint: '',
  lockSuffix: '',
  transactionOptions: { type: Transaction.TYPES.IMMEDIATE },

  limitClause: () => ' LIMIT :limit',

  createTableSql: (table, body) => `CREATE TABLE IF NOT EXISTS ${table} (\n${body}\n)`,

  addColumnSql: (table, column, type) => `ALTER TABLE ${table} ADD COLUMN ${column} ${type} NULL`,

  widenColumnSql: () => null,

  createIndexSql: (name, table, columns, unique) =>
    `CREATE ${unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${name} ON ${table} (${columns.join(', ')})`,

  createPartialIndexSql: partialIndexSql,

  uniqueWhenSetIndexSql: (name, table, column) => `CREATE UNIQUE INDEX IF NOT EXISTS ${name} ON ${table} (${column})`,

  dropIndexSql: (name) => `DROP INDEX IF EXISTS ${name}`,

  liveKeyIndexSql: () => [
    "CREATE UNIQUE INDEX IF NOT EXISTS rookery_tasks_live_key ON rookery_tasks (dedupe_key) WHERE dedupe_key IS NOT NULL AND state IN ('pending', 'running')",
  ],
  liveKeyMatch: "dedupe_key IN (:keys) AND dedupe_key IS NOT NULL AND state IN ('pending', 'running')",

  jobsListIndexSql,

  fillFactorSql: () => null,

  insertIgnoreSql: (table, columns) =>
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `:${c}`).join(', ')}) ON CONFLICT DO NOTHING`,
  insertIgnoreRowsSql: (table, columns, tuples) =>
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples} ON CONFLICT DO NOTHING`,

  quote: (name) => `"${name}"`,

  sequelizeOptions(settings: ConnectionSettings, driver: object): Options {
    return {
      dialect: 'sqlite',
      dialectModule: driver,
      storage: settings.storage ?? ':memory:',
      logging: settings.logging ? (sql: string) => console.debug(sql) : false,
      transactionType: Transaction.TYPES.IMMEDIATE,
    };
  },

  install(sequelize: Sequelize): void {
    const manager = (sequelize as unknown as { connectionManager: SqliteConnectionManager }).connectionManager;
    const getConnection = manager.getConnection.bind(manager);
    manager.getConnection = async (options?: unknown) => {
      const connection = await getConnection(options);
      if (!configured.has(connection)) {
        await exec(connection, CONNECTION_PRAGMAS);
        configured.add(connection);
      }
      return connection;
    };
  },

  duplicateKeyDetail(error: unknown): string | undefined {
    const code = driverError(error)['code'];
    const message = errorMessage(error);
    if (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT') && /UNIQUE constraint failed/i.test(message)) {
      return message;
    }
    return undefined;
  },

  isRetryable(error: unknown): boolean {
    const code = driverError(error)['code'];
    return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
  },
};
