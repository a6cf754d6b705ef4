/**
 * Rookery in one package: `createRookery` opens the database (a SQLite file by default),
 * starts a scheduler node running your executors, and hands back a client; `close()` ends it
 * all. Everything else of Rookery's public API is re-exported here: the model, errors and
 * client of `@rookery/core`, the SQL datastore of `@rookery/datastore-sql`, the executors and
 * `defineExecutor` of `@rookery/executor`, the event bus and wake signals of
 * `@rookery/messaging`.
 *
 * @example
 * ```ts
 * import { createRookery, defineExecutor } from 'rookery';
 * import { z } from 'zod';
 *
 * const sendReport = defineExecutor({
 *   name: 'send-report',
 *   payload: z.object({ to: z.string().email() }),
 *   run: async (ctx) => ({ sentTo: ctx.payload.to }),
 * });
 *
 * await using rookery = await createRookery({ executors: [sendReport], concurrency: 10 });
 * await rookery.client.upsertSchedule({
 *   name: 'nightly-report',
 *   executor: sendReport, // the payload is typed, and checked before it is stored
 *   payload: { to: 'ops@example.com' },
 *   trigger: { kind: 'cron', expr: '0 3 * * *', tz: 'Europe/Berlin' },
 * });
 * ```
 * @packageDocumentation
 */
export { createRookery, DEFAULT_DB_URL, type Rookery, type RookeryOptions } from './create-rookery.js';
export { executorsOf, type ExecutorsInput } from './executors-input.js';
export type { WakeSignalsMode } from './wake-signals-for.js';
export * from '@rookery/core';
export {
  createSqlDatastore,
  idleTransactionTimeoutForLease,
  parseDatastoreUrl,
  SqlDatastore,
  type AppliedMigration,
  type MigrationStatus,
  type ParsedUrl,
  type SqlDatastoreOptions,
  type SqlDialectName,
  type MysqlCallbackConnection,
  type MysqlPromiseConnection,
  type MysqlTransactionHandle,
  type PgTransactionHandle,
  type SqliteTransactionHandle,
  type SqlTransactionHandle,
  type TransactionHandleFor,
} from '@rookery/datastore-sql';
export * from '@rookery/executor';
// The pool class of `@rookery/executor` (it implements the interface of the same name in `@rookery/core`).
export { WorkerPool } from '@rookery/executor';
export * from '@rookery/messaging';
