import {
  checkSqlName,
  DatastoreError,
  describeTlsFailure,
  MAX_TABLE_PREFIX_LENGTH,
  resolveTls,
  ValidationError,
  type DatastoreTestHooks,
  type ResolvedTls,
  type TlsOptions,
} from '@rookery/core';
import { Sequelize } from 'sequelize';
import type { ConnectionSettings } from './dialect/dialect.js';
import { dialectFor } from './dialect/index.js';
import { loadDriver } from './dialect/load-driver.js';
import { parseDatastoreUrl, type ParsedUrl } from './parse-url.js';
import { SqlDatastore } from './sql-datastore.js';
import { SqlContext } from './store/sql-context.js';
import { DEFAULT_TABLE_PREFIX, TableNames, type TablePlacement } from './store/table-names.js';
import type { TransactionHandleFor } from './transaction/handles.js';

/** Options of {@link createSqlDatastore}; `Url` is the type of `url`, which types the transaction handles the store accepts. */
export interface SqlDatastoreOptions<Url extends string = string> {
  /**
   * Where the database is: `sqlite:./path.db`, `sqlite:/abs/path.db`, `sqlite::memory:`,
   * `postgres://user:pass@host:5432/db`, `mysql://…` or `mariadb://…` (both through `mysql2`),
   * `mssql://user:pass@host:1433/db` (untested), with the query parameters of each dialect
   * (TLS: `sslmode`, `ssl`, `encrypt`...; `schema`, `tablePrefix`; see the datastores page).
   * A bad URL, or an unknown parameter, is a ValidationError on field `db`. Where its scheme
   * is known at compile time, the store's transaction handle has its database's type
   * ({@link TransactionHandleFor}).
   */
  url: Url;
  /**
   * TLS settings the URL cannot carry (certificates in memory, a key passphrase, the host name
   * to verify), over the URL's TLS parameters. Giving it asks for TLS (`verify-full` unless
   * `mode` or the URL says otherwise).
   * @defaultValue what the URL says; plaintext when it says nothing (MSSQL: encrypted and verified)
   */
  ssl?: TlsOptions;
  /**
   * Schema holding Rookery's tables (PostgreSQL, MSSQL), created by the migrations if missing;
   * also the URL parameter `schema`. Lower-case letters, digits and `_`.
   * @defaultValue the connection's default schema
   */
  schema?: string;
  /**
   * What the names of Rookery's tables and indexes start with, instead of `rookery_`; also the
   * URL parameter `tablePrefix`. Clusters with different prefixes (or schemas) share a database
   * without seeing each other's work. Lower-case letters, digits and `_`, up to 30.
   * @defaultValue 'rookery_'
   */
  tablePrefix?: string;
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

/** One of an option and its URL parameter, refusing both when they differ. */
function eitherOf(field: string, option: string | undefined, fromUrl: string | undefined): string | undefined {
  if (option !== undefined && fromUrl !== undefined && option !== fromUrl) {
    throw new ValidationError(
      field,
      `the option says '${option}' but the URL's ${field} parameter says '${fromUrl}'; give one`,
    );
  }
  return option ?? fromUrl;
}

/** Where the tables live, from the options and the URL. */
function placementOf(options: SqlDatastoreOptions, parsed: ParsedUrl): TablePlacement {
  const schema = eitherOf('schema', options.schema, parsed.schema);
  const tablePrefix = eitherOf('tablePrefix', options.tablePrefix, parsed.tablePrefix) ?? DEFAULT_TABLE_PREFIX;
  if (schema !== undefined) {
    checkSqlName('schema', schema, 63);
    if (parsed.dialect !== 'postgres' && parsed.dialect !== 'mssql') {
      throw new ValidationError(
        'schema',
        `${parsed.dialect} has no schemas within a database; use tablePrefix (or another database)`,
      );
    }
  }
  checkSqlName('tablePrefix', tablePrefix, MAX_TABLE_PREFIX_LENGTH);
  return { ...(schema !== undefined ? { schema } : {}), tablePrefix };
}

/** A connect error, explained when TLS caused it. */
function connectError(error: unknown, tls: ResolvedTls | null, parsed: ParsedUrl): unknown {
  const where = `${parsed.dialect} server ${parsed.host ?? ''}${parsed.port !== undefined ? `:${parsed.port}` : ''}`;
  const explained = describeTlsFailure(error, tls, where);
  return explained === undefined ? error : new DatastoreError(`connect failed: ${explained}`, { cause: error });
}

/** Connections the pool keeps open while idle (see {@link SqlDatastoreOptions.poolMax}). */
const POOL_MIN = 2;

/**
 * Connects to a SQL database and returns Rookery's datastore on it, migrated unless `migrate`
 * says otherwise. Throws ValidationError (field `db`) for a bad URL, MissingDriverError when
 * the dialect's driver package is not installed, SchemaTooNewError when the database is newer
 * than this code, SchemaBehindError when it is older and `migrate` is false, and
 * DatastoreError when it cannot connect (saying so when the server refuses the TLS asked for,
 * or TLS refuses the server's certificate). No error or log line holds the password.
 *
 * @example
 * ```ts
 * const datastore = await createSqlDatastore({ url: 'postgres://rookery@db:5432/rookery', poolMax: 20 });
 * ```
 */
export async function createSqlDatastore<Url extends string>(
  options: SqlDatastoreOptions<Url>,
): Promise<SqlDatastore<TransactionHandleFor<Url>>> {
  const parsed = parseDatastoreUrl(options.url);
  const dialect = dialectFor(parsed.dialect);
  const poolMax = positiveInteger('poolMax', options.poolMax, 10);
  const migrate = options.migrate ?? true;
  if (migrate !== true && migrate !== false && migrate !== 'manual') {
    throw new ValidationError('migrate', `must be true, false or 'manual', got ${JSON.stringify(migrate)}`);
  }
  const placement = placementOf(options, parsed);
  const tls = resolveTls(parsed.tls, options.ssl);
  const driver = await loadDriver(parsed.dialect);
  const settings: ConnectionSettings = {
    ...parsed,
    tls,
    poolMax,
    poolMin: Math.min(POOL_MIN, poolMax),
    statementTimeoutMs: positiveInteger('statementTimeoutMs', options.statementTimeoutMs, 30_000),
    idleTransactionTimeoutMs: positiveInteger('idleTransactionTimeoutMs', options.idleTransactionTimeoutMs, 5_000),
    applicationName: options.applicationName ?? parsed.applicationName ?? 'rookery',
    logging: options.logging ?? false,
  };
  const sequelize = new Sequelize(dialect.sequelizeOptions(settings, driver));
  dialect.install?.(sequelize);
  const ctx = new SqlContext(sequelize, dialect, options.testHooks, new TableNames(dialect, placement));
  const store = new SqlDatastore<TransactionHandleFor<Url>>(ctx);
  try {
    await ctx.single('connect', async () => {
      try {
        await sequelize.authenticate({ logging: false });
      } catch (error) {
        throw connectError(error, tls, parsed);
      }
    });
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
