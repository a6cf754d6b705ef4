import { DatastoreError, type ResolvedTls } from '@rookery/core';
import { QueryTypes, type Options, type Sequelize, type Transaction } from 'sequelize';
import {
  driverError,
  errorMessage,
  type ConnectionSettings,
  type DirectStatements,
  type SqlDialect,
} from './dialect.js';

/**
 * `mysql2`'s `ssl` option for `tls`: `require` accepts any certificate, `verify-ca` checks the
 * chain, `verify-full` the chain and the host name (mysql2 checks the URL's host; a
 * `servername` cannot change it).
 */
function mysqlSsl(tls: ResolvedTls): Record<string, unknown> {
  return {
    rejectUnauthorized: tls.mode !== 'require',
    verifyIdentity: tls.mode === 'verify-full',
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
    ...(tls.key !== undefined ? { key: tls.key } : {}),
    ...(tls.passphrase !== undefined ? { passphrase: tls.passphrase } : {}),
  };
}

/** The parts of a `mysql2` connection the dialect uses. */
interface MysqlConnection {
  query(sql: string, callback: (error: Error | null, rows: unknown) => void): void;
  query(options: { sql: string; values: unknown[] }, callback: (error: Error | null, rows: unknown) => void): void;
}

function run(connection: unknown, sql: string, values: unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) =>
    (connection as MysqlConnection).query({ sql, values }, (error, result) =>
      error ? reject(error) : resolve(result),
    ),
  );
}

/**
 * Statements on the `mysql2` connection itself (text protocol: the driver escapes the values
 * into the statement, as Sequelize did, without a server-side prepared statement per shape).
 * Connections allow multi-statement queries, so a transaction joins its writes whose answer it
 * does not need to its next statement; every value still travels as an escaped placeholder.
 */
const mysqlStatements: DirectStatements = {
  joins: true,
  rows: async (connection, sql, values, statements) =>
    (await runLast(connection, sql, values, statements)) as Record<string, unknown>[],
  count: async (connection, sql, values, statements) =>
    Number(((await runLast(connection, sql, values, statements)) as { affectedRows?: unknown }).affectedRows ?? 0),
  // Joined statements (two or more) answer an array of results, one per statement.
  rowsOfEach: async (connection, sql, values, _statements, reads) =>
    ((await run(connection, sql, values)) as Record<string, unknown>[][]).slice(-reads),
};

/** Runs `statements` statements joined by `;` and answers the last one's result (the driver answers an array of them). */
async function runLast(connection: unknown, sql: string, values: unknown[], statements: number): Promise<unknown> {
  const result = await run(connection, sql, values);
  return statements > 1 && Array.isArray(result) ? result[result.length - 1] : result;
}

function query(connection: MysqlConnection, sql: string): Promise<unknown> {
  return new Promise((resolve, reject) =>
    connection.query(sql, (error, rows) => (error ? reject(error) : resolve(rows))),
  );
}

/**
 * Session settings run on every new connection. UTC session time zone (the clock expression
 * converts `NOW(3)` through it); strict mode, so a value too long for its column is an error
 * rather than silently truncated; statement, lock-wait and idle-transaction timeouts; READ
 * COMMITTED as the default isolation, so a transaction needs no SET of its own. MariaDB
 * and MySQL name the statement timeout differently, so the hook asks the server which it is.
 */
async function setUpSession(connection: MysqlConnection, settings: ConnectionSettings): Promise<void> {
  const rows = (await query(connection, 'SELECT VERSION() AS v')) as { v: string }[];
  const mariadb = /mariadb/i.test(rows[0]?.v ?? '');
  const { statementTimeoutMs } = settings;
  const seconds = Math.max(1, Math.ceil(statementTimeoutMs / 1000));
  // MySQL has no idle-transaction timeout; a frozen node's locks last until its lock waiters
  // time out or it wakes.
  const idleSeconds = Math.max(1, Math.ceil(settings.idleTransactionTimeoutMs / 1000));
  const assignments = [
    "time_zone = '+00:00'",
    "sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'",
    `innodb_lock_wait_timeout = ${seconds}`,
    ...(mariadb
      ? [`max_statement_time = ${statementTimeoutMs / 1000}`, `idle_transaction_timeout = ${idleSeconds}`]
      : [`max_execution_time = ${statementTimeoutMs}`]),
  ];
  await query(connection, `SET SESSION ${assignments.join(', ')}`);
  // The store's transactions begin with a bare START TRANSACTION: READ COMMITTED is the session's default.
  await query(connection, 'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
}

/**
 * MariaDB (10.6 or later) and MySQL (8.0 or later), both through the `mysql2` driver. Claims use
 * `FOR UPDATE SKIP LOCKED` under READ COMMITTED. The driver reports *changed* rows
 * (`-FOUND_ROWS`, Sequelize's default, pinned here): every conditional write of the store bumps
 * `version` or `fence`, so a write that matched always changed something and counts 1, and
 * `INSERT … ON DUPLICATE KEY UPDATE id = id` counts 0 when the key was taken.
 */
export const mysqlDialect: SqlDialect = {
  name: 'mysql',
  supportsReturning: false,
  insertReturning: false,
  hostClock: false,
  direct: mysqlStatements,
  singleWriter: false,
  clockSql: 'CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)',
  types: {
    id: 'VARCHAR(36)',
    varchar: (n) => `VARCHAR(${n})`,
    text: 'LONGTEXT',
    bigint: 'BIGINT',
    int: 'INT',
    autoIncrementPk: 'id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY',
    // Byte comparison with no PAD SPACE, identical on MariaDB and MySQL whatever the collations.
    binaryKey: (n) => `VARBINARY(${4 * n})`,
  },
  readIndexHint: (index) => ` FORCE INDEX (${index})`,
  claimTableHint: (index) => ` FORCE INDEX (${index})`,
  claimLockSuffix: ' FOR UPDATE SKIP LOCKED',
  lockTableHint: '',
  lockSuffix: ' FOR UPDATE',
  // READ COMMITTED is the session's default (see the connect hook): no SET per transaction.
  transactionOptions: {},

  limitClause: () => ' LIMIT :limit',

  createTableSql: (table, body) =>
    `CREATE TABLE IF NOT EXISTS ${table} (\n${body}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,

  // MariaDB's guard; MySQL 8 has none (as with CREATE INDEX IF NOT EXISTS below).
  addColumnSql: (table, column, type) => `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${column} ${type} NULL`,

  // The table's default collation (utf8mb4_bin) is kept.
  widenColumnSql: (table, column, type) => `ALTER TABLE ${table} MODIFY COLUMN ${column} ${type} NOT NULL`,

  createIndexSql: (name, table, columns, unique) =>
    `CREATE ${unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${name} ON ${table} (${columns.join(', ')})`,

  uniqueWhenSetIndexSql: (name, table, column) => `CREATE UNIQUE INDEX IF NOT EXISTS ${name} ON ${table} (${column})`,

  dropIndexSql: (name, table) => `DROP INDEX IF EXISTS ${name} ON ${table}`,

  // InnoDB updates rows in place; secondary indexes change only with their columns.
  liveKeyIndexSql: () => [
    "ALTER TABLE rookery_tasks ADD COLUMN IF NOT EXISTS live_key VARCHAR(200) AS (CASE WHEN state IN ('pending', 'running') THEN dedupe_key ELSE NULL END) PERSISTENT",
    'CREATE UNIQUE INDEX IF NOT EXISTS rookery_tasks_live_key ON rookery_tasks (live_key)',
  ],
  liveKeyMatch: 'live_key IN (:keys)',

  jobsListIndexSql: () => [],

  fillFactorSql: () => null,

  insertIgnoreSql: (table, columns) =>
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `:${c}`).join(', ')})` +
    ' ON DUPLICATE KEY UPDATE id = id',
  insertIgnoreRowsSql: (table, columns, tuples) =>
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples} ON DUPLICATE KEY UPDATE id = id`,

  quote: (name) => `\`${name}\``,

  sequelizeOptions(settings: ConnectionSettings, driver: object): Options {
    return {
      dialect: 'mysql',
      dialectModule: driver,
      host: settings.host,
      port: settings.port ?? 3306,
      database: settings.database,
      username: settings.username,
      password: settings.password,
      timezone: '+00:00',
      logging: settings.logging ? (sql: string) => console.debug(sql) : false,
      pool: { max: settings.poolMax, min: settings.poolMin, acquire: 30_000, idle: 10_000 },
      dialectOptions: {
        charset: 'utf8mb4',
        flags: '-FOUND_ROWS',
        // The store joins statements into one round trip (see mysqlStatements); values are always placeholders.
        multipleStatements: true,
        connectTimeout: 10_000,
        connectAttributes: { program_name: settings.applicationName },
        ...(settings.tls ? { ssl: mysqlSsl(settings.tls) } : {}),
      },
      hooks: {
        afterConnect: async (connection: unknown) => {
          await setUpSession(connection as MysqlConnection, settings);
        },
      },
    };
  },

  duplicateKeyDetail(error: unknown): string | undefined {
    const e = driverError(error);
    if (e['errno'] !== 1062 && e['code'] !== 'ER_DUP_ENTRY') return undefined;
    return errorMessage(error);
  },

  isRetryable(error: unknown): boolean {
    const e = driverError(error);
    // Deadlock, or a lock wait timeout: the statement (or transaction) was rolled back, nothing applied.
    return (
      e['errno'] === 1213 ||
      e['code'] === 'ER_LOCK_DEADLOCK' ||
      e['errno'] === 1205 ||
      e['code'] === 'ER_LOCK_WAIT_TIMEOUT'
    );
  },

  async withMigrationLock<T>(sequelize: Sequelize, fn: (tx: Transaction) => Promise<T>): Promise<T> {
    // DDL commits implicitly here, so the transaction only pins one connection for the
    // session-scoped named lock; the migrations themselves are written to be re-runnable.
    return sequelize.transaction(async (tx) => {
      const rows = await sequelize.query<{ got: number | string | null }>(
        "SELECT GET_LOCK('rookery_migrations', 60) AS got",
        { transaction: tx, type: QueryTypes.SELECT, raw: true },
      );
      if (Number(rows[0]?.got) !== 1) {
        throw new DatastoreError(
          'timed out after 60 s waiting for the migration lock rookery_migrations; another node may be stuck migrating',
        );
      }
      try {
        return await fn(tx);
      } finally {
        await sequelize.query("SELECT RELEASE_LOCK('rookery_migrations')", { transaction: tx });
      }
    });
  },
};
