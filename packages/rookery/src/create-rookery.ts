import {
  RookeryClient,
  RookeryNode,
  ValidationError,
  resolveTimings,
  type EventBus,
  type Logger,
  type NodeOptions,
  type TlsOptions,
} from '@rookery/core';
import {
  createSqlDatastore,
  idleTransactionTimeoutForLease,
  parseDatastoreUrl,
  type SqlDatastore,
  type SqlTransactionHandle,
  type TransactionHandleFor,
} from '@rookery/datastore-sql';
import { WorkerPool } from '@rookery/executor';
import { createEventBus } from '@rookery/messaging';
import { executorsOf, type ExecutorsInput } from './executors-input.js';
import { wakeSignalsFor, type RookeryWakeSignals, type WakeSignalsMode } from './wake-signals-for.js';

/** Where `createRookery` keeps its data when no `db` is given: a SQLite file in the working directory. */
export const DEFAULT_DB_URL = 'sqlite:./rookery.db';

/** Node options that `createRookery` sets itself. */
type WiredNodeOptions = 'datastore' | 'events' | 'executors' | 'pool' | 'wakeSignals' | 'id' | 'leaseMs' | 'logger';

/** Options of {@link createRookery}; `Db` is the type of `db`, which types the client's `transaction` option. */
export interface RookeryOptions<Db extends string = string> {
  /**
   * The database: `sqlite:./path.db`, `postgres://user:pass@host:5432/db`,
   * `mysql://…` or `mariadb://…` (see `createSqlDatastore`). Migrated on start, safely from
   * many processes at once. `sqlite::memory:` keeps nothing and serves this process alone.
   * The client's `transaction` option takes this database's driver handle (a `pg` client, a
   * `mysql2` connection, a `sqlite3` database), typed so where the URL's scheme is known at
   * compile time.
   * @defaultValue {@link DEFAULT_DB_URL}, a file in the working directory
   */
  db?: Db;
  /**
   * TLS settings the `db` URL cannot carry (certificates in memory, a key passphrase), over the
   * URL's TLS parameters, for every connection (the datastore's and the wake signals').
   * @defaultValue what the URL says (see `createSqlDatastore`)
   */
  ssl?: TlsOptions;
  /** Schema of Rookery's tables (PostgreSQL, MSSQL; see `createSqlDatastore`). @defaultValue the connection's default */
  schema?: string;
  /** What Rookery's table names start with (see `createSqlDatastore`). @defaultValue 'rookery_' */
  tablePrefix?: string;
  /**
   * What this node runs: a map from executor names to task functions or executor objects,
   * or a list of executors with their own names (`defineExecutor`, `processExecutor`,
   * `httpExecutor`). The node claims only tasks of these names. @defaultValue none: the node
   * peels schedules and repairs, and runs nothing
   */
  executors?: ExecutorsInput;
  /** Attempts this node runs at once. @defaultValue 10 */
  concurrency?: number;
  /** Node id, unique in the cluster. @defaultValue `<host>-<pid>-<random>` */
  id?: string;
  /**
   * Lease length, ms. Longer leases survive longer stalls; shorter ones hand a dead node's work
   * over sooner. Every other timeout follows from it: renewals, the local trust window,
   * repairs, and the database's idle-in-transaction timeout (half the lease).
   * @defaultValue 10 000
   */
  leaseMs?: number;
  /**
   * Hints that work falls due, so idle nodes start it at once rather than at their next poll:
   * `auto` uses PostgreSQL LISTEN/NOTIFY on a PostgreSQL database (two extra sessions) and
   * polling elsewhere; `none` polls only. Correctness never depends on them.
   * @defaultValue 'auto'
   */
  wakeSignals?: WakeSignalsMode;
  /** Largest number of database connections (network databases). @defaultValue 10 */
  poolMax?: number;
  /**
   * The event bus of the node and client. Listen on `generalError` for every unexpected error;
   * with no listener, they are written to stderr. @defaultValue a new bus
   */
  events?: EventBus;
  /**
   * Where the node logs: its join and stop, clock offset warnings, lost leases, repairs,
   * errors, and each task event and `ctx.log` line with the task's id, schedule, attempt, fence
   * and executor. A pino logger fits as is (`logger: pino()`); payloads are never logged and
   * secrets in URLs and Authorization headers are hidden. With a logger, unexpected errors go
   * to it rather than to stderr. @defaultValue none: nothing is logged
   */
  logger?: Logger;
  /** Further node tuning (poll waits, lookahead, retention, strategies, clock...). @defaultValue the node's defaults */
  node?: Omit<NodeOptions, WiredNodeOptions>;
}

/**
 * A started Rookery: a node running, a client, and what they share; {@link Rookery.close} ends
 * it all. `Handle` is the driver handle the client's `transaction` option takes.
 */
export interface Rookery<Handle extends SqlTransactionHandle = SqlTransactionHandle> extends AsyncDisposable {
  /** The running node. */
  readonly node: RookeryNode;
  /**
   * A client on the same database and event bus: jobs, schedules, tasks, nodes. Its
   * `enqueue`, `enqueueMany` and `createSchedule` take `{ transaction }`, your open transaction.
   */
  readonly client: RookeryClient<Handle>;
  /** The datastore both use. */
  readonly datastore: SqlDatastore<Handle>;
  /** The event bus of the node and client. */
  readonly events: EventBus;
  /**
   * Stops the node (it claims nothing more; running attempts get `graceMs` to finish, then are
   * handed back to the cluster), then ends the wake-signal sessions and the datastore's
   * connections, so the process can exit by itself. Idempotent.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

/**
 * Starts Rookery in one call: opens (and migrates) the database, starts a node that runs
 * `executors` with wake signals where the database has them, and returns it with a client.
 * `await rookery.close()` (or `await using rookery = ...`) stops it all.
 *
 * Bad options are refused with a ValidationError naming the option before anything is opened.
 *
 * @param options - see {@link RookeryOptions}
 * @throws ValidationError naming the option; DatastoreError when the database cannot be reached
 * @example
 * ```ts
 * const rookery = await createRookery({
 *   db: process.env.DATABASE_URL, // a SQLite file when unset
 *   executors: { 'send-report': async (ctx) => ({ sent: true }) },
 *   concurrency: 10,
 * });
 * await rookery.client.upsertSchedule({ name: 'nightly-report', executor: 'send-report', trigger: { kind: 'cron', expr: '0 3 * * *' } });
 * process.once('SIGTERM', () => void rookery.close());
 * ```
 */
export async function createRookery<Db extends string = typeof DEFAULT_DB_URL>(
  options: RookeryOptions<Db> = {},
): Promise<Rookery<TransactionHandleFor<Db>>> {
  const url: string = options.db ?? DEFAULT_DB_URL;
  if (typeof url !== 'string') throw new ValidationError('db', 'must be a database URL string');
  parseDatastoreUrl(url);
  const timings = resolveTimings({ ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }) });
  const executors = executorsOf(options.executors ?? {});
  const pool = new WorkerPool({ concurrency: options.concurrency ?? 10 });
  const events = options.events ?? createEventBus();
  const wakeMode = options.wakeSignals ?? 'auto';
  if (wakeMode !== 'auto' && wakeMode !== 'none')
    throw new ValidationError('wakeSignals', `must be auto or none, got '${String(wakeMode)}'`);

  const datastore: SqlDatastore<TransactionHandleFor<Db>> = await createSqlDatastore({
    url: url as Db,
    idleTransactionTimeoutMs: idleTransactionTimeoutForLease(timings.leaseMs),
    ...(options.poolMax === undefined ? {} : { poolMax: options.poolMax }),
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    ...(options.tablePrefix === undefined ? {} : { tablePrefix: options.tablePrefix }),
  });
  let node: RookeryNode | undefined;
  let wake: RookeryWakeSignals | null = null;
  try {
    wake = wakeSignalsFor(wakeMode, url, events, () => node?.id ?? options.id ?? null, options.ssl, {
      schema: options.schema,
      tablePrefix: options.tablePrefix,
    });
    node = new RookeryNode({
      ...options.node,
      datastore,
      events,
      executors,
      pool,
      leaseMs: timings.leaseMs,
      ...(options.id === undefined ? {} : { id: options.id }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(wake ? { wakeSignals: wake.node } : {}),
    });
    await node.start();
  } catch (error) {
    await closeAll(node, wake, datastore, {}).catch((closeError: unknown) => {
      throw new AggregateError([error, closeError], 'starting Rookery failed, and so did closing what it had opened');
    });
    throw error;
  }
  const started = node;
  const client = new RookeryClient<TransactionHandleFor<Db>>({
    datastore,
    events,
    ...(wake ? { wakeSignals: wake.client } : {}),
  });
  let closing: Promise<void> | undefined;
  const close = (closeOptions: { graceMs?: number } = {}): Promise<void> =>
    (closing ??= closeAll(started, wake, datastore, closeOptions));
  return { node: started, client, datastore, events, close, [Symbol.asyncDispose]: () => close() };
}

/** Stops the node, then closes the wake signals and the datastore; every step runs even if one before it failed. */
async function closeAll(
  node: RookeryNode | undefined,
  wake: RookeryWakeSignals | null,
  datastore: Pick<SqlDatastore, 'close'>,
  options: { graceMs?: number },
): Promise<void> {
  const errors: unknown[] = [];
  await node?.stop(options).catch((error: unknown) => errors.push(error));
  await wake?.close();
  await datastore.close().catch((error: unknown) => errors.push(error));
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, 'closing Rookery failed in more than one part');
}
