import { ValidationError, type DatastoreTestHooks } from '@rookery/core';
import { Sequelize } from 'sequelize';
import type { ConnectionSettings } from './dialect/dialect.js';
import { dialectFor } from './dialect/index.js';
import { parseDatastoreUrl } from './parse-url.js';
import { SqlDatastore } from './sql-datastore.js';
import { SqlContext } from './store/sql-context.js';
import type { TransactionHandleFor } from './transaction/handles.js';

/** Options of {@link createSqlDatastore}; `Url` is the type of `url`, which types the transaction handles the store accepts. */
export interface SqlDatastoreOptions<Url extends string = string> {
  /**
   * Where the database is: `sqlite:./path.db`, `sqlite:/abs/path.db`, `sqlite::memory:`,
   * `postgres://user:pass@host:5432/db`, `mysql://…` or `mariadb://…` (both through `mysql2`),
   * `mssql://user:pass@host:1433/db` (untested). A bad URL is a ValidationError on field `db`.
   * Where its scheme is known at compile time, the store's transaction handle has its
   * database's type ({@link TransactionHandleFor}).
   */
  url: Url;
  /**
   * Largest number of pooled connections (network dialects). A node keeps about four
   * statements in flight (its loop, a finish batch, a renewal, a repair or heartbeat); a burst
   * drained no faster with 3 or 4 connections than with 10, within run-to-run noise. The pool
   * keeps up to two connections open while idle (fewer if this is smaller), so a task falling
   * due after a quiet spell does not wait for a new session (4-12 ms on loopback, more across
   * a network).
   * @defaultValue 10
   */
  poolMax?: number;
  /**
   * Longest a statement may run before the database aborts it, ms. Lock-wait timeouts use the
   * same value. Too low aborts big migrations; too high lets a stuck statement hold a
   * connection that long.
   * @defaultValue 30 000
   */
  statementTimeoutMs?: number;
  /**
   * Longest a session may sit idle inside an open transaction before the database ends the
   * session and rolls the transaction back, ms (PostgreSQL `idle_in_transaction_session_timeout`,
   * MariaDB `idle_transaction_timeout`, rounded up to whole seconds; MySQL and MSSQL have no
   * such setting). The store's transactions are a few statements long, so only a process
   * frozen inside one (SIGSTOP, a long GC pause, a stopped VM) reaches it: until then the
   * rows it locked stay locked and the other nodes cannot take over its tasks. Keep it below
   * the nodes' lease so that a frozen node delays takeover by no more than a lease:
   * `idleTransactionTimeoutForLease(leaseMs)` gives it for a lease (`rookery node` and
   * `createRookery` set it so).
   * @defaultValue 5 000
   */
  idleTransactionTimeoutMs?: number;
  /**
   * Log every SQL statement through `console.debug`.
   * @defaultValue false
   */
  logging?: boolean;
  /**
   * Name of this process's sessions on the database (PostgreSQL `application_name`, MariaDB
   * `program_name`, MSSQL `appName`), so operators and tests can find them.
   * @defaultValue 'rookery'
   */
  applicationName?: string;
  /**
   * What to do with the schema on opening:
   * - `true`: apply pending migrations before returning (safe from several nodes at once);
   * - `false`: change nothing, and refuse a schema that is behind (`SchemaBehindError`, naming
   *   the versions) or newer (`SchemaTooNewError`) — for deployments where a DBA runs
   *   `rookery migrate` (after `rookery migrate --dry-run`) and the nodes never change the schema;
   * - `'manual'`: change nothing and refuse only a newer schema, for tools that inspect or
   *   migrate the schema themselves ({@link SqlDatastore.migrationStatus},
   *   {@link SqlDatastore.migrationPlan}, {@link SqlDatastore.migrate}).
   * @defaultValue true
   */
  migrate?: boolean | 'manual';
  /**
   * Points inside the store's operations where a test runs something of its own, to pin an
   * interleaving with another caller (the conformance suite sets them). Leave unset in
   * production.
   * @defaultValue none
   */
  testHooks?: DatastoreTestHooks;
}

function positiveInteger(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ValidationError(field, `must be a positive whole number, got ${String(value)}`);
  }
  return value;
}

/** Connections the pool keeps open while idle (see {@link SqlDatastoreOptions.poolMax}). */
const POOL_MIN = 2;

/**
 * Connects to a SQL database and returns Rookery's datastore on it, migrated unless `migrate`
 * says otherwise. Throws ValidationError (field `db`) for a bad URL, SchemaTooNewError when
 * the database is newer than this code, SchemaBehindError when it is older and `migrate` is
 * false, and DatastoreError when it cannot connect.
 *
 * @example
 * ```ts
 * const datastore = await createSqlDatastore({ url: 'postgres://rookery@db:5432/rookery', poolMax: 20 });
 * ```
 */
export async function createSqlDatastore<Url extends string>(options: SqlDatastoreOptions<Url>): Promise<SqlDatastore<TransactionHandleFor<Url>>> {
  const parsed = parseDatastoreUrl(options.url);
  const dialect = dialectFor(parsed.dialect);
  const poolMax = positiveInteger('poolMax', options.poolMax, 10);
  const migrate = options.migrate ?? true;
  if (migrate !== true && migrate !== false && migrate !== 'manual') {
    throw new ValidationError('migrate', `must be true, false or 'manual', got ${JSON.stringify(migrate)}`);
  }
  const settings: ConnectionSettings = {
    ...parsed,
    poolMax,
    poolMin: Math.min(POOL_MIN, poolMax),
    statementTimeoutMs: positiveInteger('statementTimeoutMs', options.statementTimeoutMs, 30_000),
    idleTransactionTimeoutMs: positiveInteger('idleTransactionTimeoutMs', options.idleTransactionTimeoutMs, 5_000),
    applicationName: options.applicationName ?? 'rookery',
    logging: options.logging ?? false,
  };
  const sequelize = new Sequelize(dialect.sequelizeOptions(settings));
  dialect.install?.(sequelize);
  const ctx = new SqlContext(sequelize, dialect, options.testHooks);
  const store = new SqlDatastore<TransactionHandleFor<Url>>(ctx, dialect.shared && parsed.storage !== ':memory:');
  try {
    await ctx.single('connect', () => sequelize.authenticate({ logging: false }));
    if (migrate === true) await store.migrate();
    else if (migrate === false) await store.assertSchemaCurrent();
    else await store.assertSchemaNotNewer();
  } catch (error) {
    // The connect or migrate error is what the caller needs; a failure to close the half-open
    // pool as well is attached to it rather than lost.
    await store.close().catch((closeError: unknown) => {
      throw new AggregateError([error, closeError], 'opening the datastore failed, and so did closing it');
    });
    throw error;
  }
  return store;
}
