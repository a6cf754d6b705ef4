/**
 * Rookery's datastore on SQL through Sequelize: SQLite, PostgreSQL, MariaDB/MySQL, and
 * (untested) MS SQL Server. Instants are BIGINT epoch milliseconds; the database clock is the
 * cluster clock; every write to a leased row is a conditional statement.
 *
 * @example
 * ```ts
 * import { createSqlDatastore } from '@rookery/datastore-sql';
 *
 * const datastore = await createSqlDatastore({ url: 'sqlite:./rookery.db' }); // migrates
 * console.log(await datastore.migrationStatus());
 * await datastore.close();
 * ```
 * @packageDocumentation
 */
export { createSqlDatastore, type SqlDatastoreOptions } from './create-sql-datastore.js';
export { SqlDatastore } from './sql-datastore.js';
export type {
  MysqlCallbackConnection,
  MysqlPromiseConnection,
  MysqlTransactionHandle,
  PgTransactionHandle,
  SqliteTransactionHandle,
  SqlTransactionHandle,
  TransactionHandleFor,
} from './transaction/handles.js';
export { idleTransactionTimeoutForLease } from './lease-timeouts.js';
export { parseDatastoreUrl, type ParsedUrl } from './parse-url.js';
export type { SqlDialectName } from './dialect/dialect.js';
export type { AppliedMigration, MigrationPlan, MigrationStatus, PlannedMigration } from './migrations/migrator.js';
