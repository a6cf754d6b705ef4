import { DatastoreError, type ResolvedTls } from '@rookery/core';
import { QueryTypes, Transaction, type Options, type Sequelize } from 'sequelize';
import { driverError, errorMessage, type ConnectionSettings, type SqlDialect } from './dialect.js';

/** The parts of a `tedious` connection (as Sequelize hands it over) the connect hook uses. */
interface TediousConnection {
  lib: { Request: new (sql: string, callback: (error: Error | null | undefined) => void) => unknown };
  execSqlBatch(request: unknown): void;
}

/**
 * `tedious` options for `tls`: `encrypt` off for none; `require` trusts any certificate;
 * `verify-ca` and `verify-full` both check the chain and the host name (tedious has no
 * chain-only check).
 */
function tediousTls(tls: ResolvedTls | null): Record<string, unknown> {
  if (tls === null) return { encrypt: false };
  const credentials = {
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
    ...(tls.key !== undefined ? { key: tls.key } : {}),
    ...(tls.passphrase !== undefined ? { passphrase: tls.passphrase } : {}),
  };
  return {
    encrypt: true,
    trustServerCertificate: tls.mode === 'require',
    ...(Object.keys(credentials).length > 0 ? { cryptoCredentialsDetails: credentials } : {}),
    ...(tls.servername !== undefined ? { serverName: tls.servername } : {}),
  };
}

function batch(connection: TediousConnection, sql: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = new connection.lib.Request(sql, (error) => (error ? reject(error) : resolve()));
    connection.execSqlBatch(request);
  });
}

/**
 * Microsoft SQL Server (2016 or later) through `tedious`. UNTESTED: no SQL Server exists in
 * the environment this package is developed in; the SQL follows the documentation and is
 * written to the same capability flags as the tested dialects. Claims lock with
 * `WITH (UPDLOCK, READPAST, ROWLOCK)` (READPAST is SQL Server's SKIP LOCKED); there is no
 * `RETURNING` in the form the store uses, so writes are read back inside the transaction.
 * Caveat: SQL Server pads with spaces when comparing strings, even in binary collations, so
 * names differing only by trailing spaces collide (Rookery trims names, so they never do).
 */
export const mssqlDialect: SqlDialect = {
  name: 'mssql',
  supportsReturning: false,
  insertReturning: false,
  hostClock: false,
  singleWriter: false,
  clockSql: "DATEDIFF_BIG(millisecond, '1970-01-01', SYSUTCDATETIME())",
  types: {
    id: 'VARCHAR(36)',
    varchar: (n) => `NVARCHAR(${n})`,
    text: 'NVARCHAR(MAX)',
    bigint: 'BIGINT',
    int: 'INT',
    autoIncrementPk: 'id BIGINT IDENTITY(1,1) PRIMARY KEY',
    binaryKey: (n) => `NVARCHAR(${n}) COLLATE Latin1_General_100_BIN2`,
  },
  readIndexHint: () => '',
  claimTableHint: () => ' WITH (UPDLOCK, READPAST, ROWLOCK)',
  claimLockSuffix: '',
  lockTableHint: ' WITH (UPDLOCK, ROWLOCK)',
  lockSuffix: '',
  transactionOptions: { isolationLevel: Transaction.ISOLATION_LEVELS.READ_COMMITTED },

  limitClause: () => ' OFFSET 0 ROWS FETCH NEXT :limit ROWS ONLY',

  createTableSql: (table, body) => `IF OBJECT_ID(N'${table}', N'U') IS NULL CREATE TABLE ${table} (\n${body}\n)`,

  addColumnSql: (table, column, type) =>
    `IF COL_LENGTH(N'${table}', N'${column}') IS NULL ALTER TABLE ${table} ADD ${column} ${type} NULL`,

  // Allowed on an indexed column: same type, same or larger size.
  widenColumnSql: (table, column, type) => `ALTER TABLE ${table} ALTER COLUMN ${column} ${type} NOT NULL`,

  createIndexSql: (name, table, columns, unique) =>
    `IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'${name}' AND object_id = OBJECT_ID(N'${table}'))` +
    ` CREATE ${unique ? 'UNIQUE ' : ''}INDEX ${name} ON ${table} (${columns.join(', ')})`,

  createPartialIndexSql: (name, table, columns, where, unique) =>
    `IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'${name}' AND object_id = OBJECT_ID(N'${table}'))` +
    ` CREATE ${unique ? 'UNIQUE ' : ''}INDEX ${name} ON ${table} (${columns.join(', ')}) WHERE ${where}`,

  uniqueWhenSetIndexSql: (name, table, column) =>
    `IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'${name}' AND object_id = OBJECT_ID(N'${table}'))` +
    ` CREATE UNIQUE INDEX ${name} ON ${table} (${column}) WHERE ${column} IS NOT NULL`,

  dropIndexSql: (name, table) => `DROP INDEX IF EXISTS ${name} ON ${table}`,

  // SQL Server updates rows in place; its FILLFACTOR is an index setting for page splits.
  liveKeyIndexSql: () => [
    "IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'rookery_tasks_live_key' AND object_id = OBJECT_ID(N'rookery_tasks'))" +
      " CREATE UNIQUE INDEX rookery_tasks_live_key ON rookery_tasks (dedupe_key) WHERE dedupe_key IS NOT NULL AND state IN ('pending', 'running')",
  ],
  liveKeyMatch: "dedupe_key IN (:keys) AND dedupe_key IS NOT NULL AND state IN ('pending', 'running')",

  jobsListIndexSql: () => [],

  fillFactorSql: () => null,

  insertIgnoreSql(table, columns, uniqueKeys) {
    const taken = uniqueKeys.map((key) => `(${key.map((c) => `${c} = :${c}`).join(' AND ')})`).join(' OR ');
    return (
      `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${columns.map((c) => `:${c}`).join(', ')}` +
      ` WHERE NOT EXISTS (SELECT 1 FROM ${table} WITH (UPDLOCK, HOLDLOCK) WHERE ${taken})`
    );
  },

  insertIgnoreRowsSql: () => null,

  createSchemaSql: (schema) => `IF SCHEMA_ID(N'${schema.slice(1, -1)}') IS NULL EXEC(N'CREATE SCHEMA ${schema}')`,
  quote: (name) => `[${name}]`,

  sequelizeOptions(settings: ConnectionSettings, driver: object): Options {
    const lockTimeoutMs = settings.statementTimeoutMs;
    return {
      dialect: 'mssql',
      dialectModule: driver,
      host: settings.host,
      port: settings.port ?? 1433,
      database: settings.database,
      username: settings.username,
      password: settings.password,
      logging: settings.logging ? (sql: string) => console.debug(sql) : false,
      pool: { max: settings.poolMax, min: settings.poolMin, acquire: 30_000, idle: 10_000 },
      dialectOptions: {
        options: {
          appName: settings.applicationName,
          requestTimeout: settings.statementTimeoutMs,
          connectTimeout: 10_000,
          ...tediousTls(settings.tls),
        },
      },
      hooks: {
        afterConnect: async (connection: unknown) => {
          await batch(connection as TediousConnection, `SET LOCK_TIMEOUT ${lockTimeoutMs}; SET XACT_ABORT ON;`);
        },
      },
    };
  },

  duplicateKeyDetail(error: unknown): string | undefined {
    const n = driverError(error)['number'];
    return n === 2627 || n === 2601 ? errorMessage(error) : undefined;
  },

  isRetryable(error: unknown): boolean {
    return driverError(error)['number'] === 1205;
  },

  async withMigrationLock<T>(sequelize: Sequelize, fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return sequelize.transaction(async (tx) => {
      const rows = await sequelize.query<{ r: number }>(
        "DECLARE @r INT; EXEC @r = sp_getapplock @Resource = 'rookery_migrations', @LockMode = 'Exclusive'," +
          " @LockOwner = 'Transaction', @LockTimeout = 60000; SELECT @r AS r;",
        { transaction: tx, type: QueryTypes.SELECT, raw: true },
      );
      if (Number(rows[0]?.r) < 0)
        throw new DatastoreError(
          'timed out after 60 s waiting for the migration lock rookery_migrations; another node may be stuck migrating',
        );
      return fn(tx);
    });
  },
};
