import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatastoreError, DuplicateKeyError, RookeryError, type DatastoreTestHooks } from '@rookery/core';
import { QueryTypes, Transaction, type Sequelize } from 'sequelize';
import { errorMessage, type DirectStatements, type SqlDialect } from '../dialect/dialect.js';
import { CallerTransaction } from './caller-transaction.js';
import { toPositional, type PositionalSql } from './positional-sql.js';
import { DEFAULT_TABLE_PREFIX, TableNames } from './table-names.js';

/** Named replacement values of one statement (`:name` in the SQL). */
export type Replacements = Record<string, unknown>;

/** One row as the driver returns it: snake_case columns, driver-typed values. */
export type Row = Record<string, unknown>;

/** A SELECT and its `:name` replacements, for {@link SqlContext.selectEach}. */
export interface Read {
  /** The statement. */
  sql: string;
  /** Its replacements. */
  replacements: Replacements;
}

/** A transaction the store began itself on a pooled driver connection ({@link SqlDialect.direct}). */
export interface DriverTransaction {
  /** The driver connection the transaction holds. */
  readonly connection: unknown;
}

/**
 * A transaction the store began with the dialect's direct driver calls, and the statements it
 * has yet to send: written with {@link SqlContext.writeLater}, they go with its next
 * statement, in one round trip.
 */
class OpenTransaction implements DriverTransaction {
  /** Statements waiting for the next round trip, in order. */
  readonly waiting: PositionalSql[] = [];

  /** @param connection - the pooled driver connection the transaction holds */
  constructor(readonly connection: unknown) {}
}

/**
 * The statements waiting in `tx`, taken from it, then `next`, as one multi-statement query
 * (joined by `;`) with its values in order and the number of statements it holds.
 */
function joinWaiting(
  tx: OpenTransaction,
  next: readonly PositionalSql[],
): { sql: string; values: unknown[]; statements: number } {
  const all = [...tx.waiting.splice(0), ...next];
  return { sql: all.map((s) => s.sql).join(';\n'), values: all.flatMap((s) => s.values), statements: all.length };
}

/**
 * The transaction a statement runs in: one the store began on a driver connection, a Sequelize
 * transaction (dialects without {@link SqlDialect.direct}, and the migration lock), one the
 * caller opened on a connection of their own ({@link CallerTransaction}), or `undefined` on a
 * single-writer database, where the store runs its transactions itself on its one connection.
 */
export type Tx = DriverTransaction | Transaction | CallerTransaction | undefined;

/** The Sequelize transaction of `tx`, for a statement that goes through Sequelize. */
export function sequelizeTransaction(tx: Tx): Transaction | null {
  if (tx === undefined) return null;
  if (tx instanceof Transaction) return tx;
  throw new Error('a statement through Sequelize was given a transaction the store began on a driver connection');
}

/** How long a transaction that fails with a retryable error (deadlock, busy) is tried again. */
const RETRY_FOR_MS = 15_000;

/**
 * The pause before trying again: short and jittered, so that several processes waiting for
 * SQLite's one write lock poll it often and none starves (SQLite's own busy handler backs off
 * to 100 ms steps, and a process that re-takes the lock back to back would starve the others).
 */
function retryPause(attempt: number): number {
  return 1 + randomInt(Math.min(2 ** attempt, 32));
}

/** A promise-chain mutex: runs one task at a time, in call order. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** The field a duplicate-key detail names. */
function duplicateField(detail: string): string {
  if (/name_key/i.test(detail)) return 'name';
  if (/fire_at|schedule_fire/i.test(detail)) return 'fireAt';
  return 'id';
}

/**
 * How the store talks to the database: parameterised statements, short transactions with
 * retry on deadlock or busy, the database clock, and errors mapped to core's error classes.
 * Every store operation runs through {@link SqlContext.transaction} or {@link SqlContext.single}.
 */
export class SqlContext {
  private readonly mutex = new Mutex();

  /**
   * @param sequelize - the connection layer
   * @param dialect - the dialect adapter
   * @param testHooks - where tests pin an interleaving (none in production)
   * @param names - where the tables live; every statement passes through it
   */
  constructor(
    readonly sequelize: Sequelize,
    readonly dialect: SqlDialect,
    readonly testHooks: DatastoreTestHooks = {},
    readonly names: TableNames = new TableNames(dialect, { tablePrefix: DEFAULT_TABLE_PREFIX }),
  ) {}

  /**
   * Runs a statement through Sequelize as it is (DDL, the migrations), its Rookery
   * identifiers placed by {@link SqlContext.names}.
   */
  async run(sql: string, tx?: Tx): Promise<void> {
    await this.sequelize.query(this.names.sql(sql), { transaction: sequelizeTransaction(tx) });
  }

  /** Runs a SELECT (or `… RETURNING`) and returns its rows. */
  async select<T extends Row = Row>(written: string, replacements: Replacements = {}, tx?: Tx): Promise<T[]> {
    const sql = this.names.sql(written);
    if (tx instanceof CallerTransaction) return (await tx.statements.rows(sql, replacements)) as T[];
    const direct = this.dialect.direct;
    if (direct) return (await this.onDriver(tx, sql, replacements, direct.rows)) as T[];
    return this.sequelize.query<T>(sql, {
      replacements,
      transaction: sequelizeTransaction(tx),
      type: QueryTypes.SELECT,
      raw: true,
    });
  }

  /**
   * Runs SELECTs that do not depend on one another and returns the rows of each, in order: in
   * one round trip in a transaction on a dialect that joins statements
   * ({@link DirectStatements.joins}), with the writes waiting in it; elsewhere one after another.
   */
  async selectEach(reads: readonly Read[], tx: Tx): Promise<Row[][]> {
    const direct = this.dialect.direct;
    if (!(tx instanceof OpenTransaction) || !direct?.joins || !direct.rowsOfEach || reads.length < 2) {
      const rows: Row[][] = [];
      for (const r of reads) rows.push(await this.select(r.sql, r.replacements, tx));
      return rows;
    }
    const joined = joinWaiting(
      tx,
      reads.map((r) => toPositional(this.names.sql(r.sql), r.replacements, '?')),
    );
    return direct.rowsOfEach(tx.connection, joined.sql, joined.values, joined.statements, reads.length);
  }

  /** Runs an INSERT, UPDATE or DELETE and returns the affected-row count. */
  async write(written: string, replacements: Replacements = {}, tx?: Tx): Promise<number> {
    const sql = this.names.sql(written);
    if (tx instanceof CallerTransaction) return tx.statements.count(sql, replacements);
    const direct = this.dialect.direct;
    if (direct) return this.onDriver(tx, sql, replacements, direct.count);
    const count: unknown = await this.sequelize.query(sql, {
      replacements,
      transaction: sequelizeTransaction(tx),
      type: QueryTypes.BULKUPDATE,
    });
    return Number(count);
  }

  /**
   * Runs a write whose affected-row count the caller does not need. In a transaction on a
   * dialect that joins statements ({@link DirectStatements.joins}) it waits and travels with
   * the transaction's next statement (or its COMMIT), in the same round trip; an error it
   * raises then surfaces there, and fails the transaction all the same. Elsewhere it runs at once.
   */
  async writeLater(sql: string, replacements: Replacements, tx: Tx): Promise<void> {
    if (tx instanceof OpenTransaction && this.dialect.direct?.joins)
      tx.waiting.push(toPositional(this.names.sql(sql), replacements, '?'));
    else await this.write(sql, replacements, tx);
  }

  /**
   * Runs a statement through the dialect's {@link SqlDialect.direct} driver calls: on the
   * transaction's connection (with the statements waiting in it, in one round trip), on the
   * store's one connection (single writer), or on a pooled connection taken for this
   * statement alone.
   */
  private async onDriver<R>(
    tx: Tx,
    sql: string,
    replacements: Replacements,
    run: (connection: unknown, sql: string, values: unknown[], statements: number) => Promise<R>,
  ): Promise<R> {
    const statement = toPositional(sql, replacements, '?');
    const manager = this.sequelize.connectionManager;
    if (tx instanceof OpenTransaction && tx.waiting.length > 0) {
      const joined = joinWaiting(tx, [statement]);
      return run(tx.connection, joined.sql, joined.values, joined.statements);
    }
    // A Sequelize transaction (the migration lock's) holds its driver connection as `connection` too.
    if (tx !== undefined) return run((tx as DriverTransaction).connection, statement.sql, statement.values, 1);
    if (this.dialect.singleWriter)
      return run(await manager.getConnection({ type: 'write' }), statement.sql, statement.values, 1);
    const connection = await manager.getConnection({ type: 'write' });
    try {
      return await run(connection, statement.sql, statement.values, 1);
    } finally {
      manager.releaseConnection(connection);
    }
  }

  /** Reads the database clock (epoch ms): in-process where it is this host's ({@link SqlDialect.hostClock}). */
  async clock(tx?: Tx): Promise<number> {
    if (this.dialect.hostClock) return Date.now();
    const rows = await this.select<{ now: unknown }>(`SELECT ${this.dialect.clockSql} AS now`, {}, tx);
    return Number(rows[0]?.now);
  }

  /** `COALESCE(override, database clock)`, read once so a whole transaction sees one instant. */
  async now(override: number | undefined, tx?: Tx): Promise<number> {
    return override ?? this.clock(tx);
  }

  /**
   * Runs `fn` in one short transaction (`BEGIN IMMEDIATE` on SQLite, READ COMMITTED elsewhere).
   * A deadlock, serialization failure or busy database rolls the transaction back and it is run
   * again from the start; any other error is mapped and thrown.
   */
  async transaction<T>(what: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
    const d = this.dialect;
    return this.single(what, () => {
      if (d.singleWriter) return this.onSharedConnection(fn);
      if (d.direct) return this.inDriverTransaction(d.direct, fn);
      return this.sequelize.transaction(d.transactionOptions, fn);
    });
  }

  /**
   * A transaction the store begins and ends itself on a pooled connection, with the dialect's
   * direct driver calls: the session's default isolation is already READ COMMITTED, so it is
   * `START TRANSACTION`, the statements and `COMMIT`, with nothing of Sequelize's between them.
   * Where the dialect joins statements, `START TRANSACTION` travels with the first statement and
   * the writes waiting at the end with `COMMIT`.
   * A connection whose rollback fails is in an unknown state and is destroyed, not pooled again;
   * the error then carries both failures.
   */
  private async inDriverTransaction<T>(direct: DirectStatements, fn: (tx: Tx) => Promise<T>): Promise<T> {
    const manager = this.sequelize.connectionManager;
    const connection = await manager.getConnection({ type: 'write' });
    const tx = new OpenTransaction(connection);
    let healthy = true;
    try {
      // Joined to the transaction's first statement where the dialect joins statements.
      await this.writeLater('START TRANSACTION', {}, tx);
      const result = await fn(tx);
      await this.write('COMMIT', {}, tx);
      return result;
    } catch (error) {
      tx.waiting.length = 0;
      try {
        await direct.count(connection, 'ROLLBACK', [], 1);
      } catch (rollbackError) {
        // The session is gone or broken (the server ended it, the network failed): the
        // connection is not pooled again, and both errors are reported.
        healthy = false;
        throw new AggregateError(
          [error, rollbackError],
          `${errorMessage(error)}; the rollback failed too (${errorMessage(rollbackError)}), and the connection was dropped`,
          { cause: rollbackError },
        );
      }
      throw error;
    } finally {
      if (healthy) manager.releaseConnection(connection);
      else await manager.destroyConnection(connection);
    }
  }

  /**
   * A transaction on the store's one shared connection. Sequelize would open (and configure) a
   * new SQLite connection for every transaction; on a single-writer database the store already
   * runs one operation at a time, so it begins and ends its transactions itself instead.
   * `BEGIN IMMEDIATE` takes the write lock up front, so processes sharing the file queue on it
   * (up to `busy_timeout`) rather than deadlock on a read-to-write upgrade.
   */
  private async onSharedConnection<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    await this.write('BEGIN IMMEDIATE');
    try {
      const result = await fn(undefined);
      await this.write('COMMIT');
      return result;
    } catch (error) {
      try {
        await this.write('ROLLBACK');
      } catch (rollbackError) {
        // SQLite rolls some failed transactions back by itself; then there is nothing to undo.
        if (!/no transaction is active/i.test(String(rollbackError))) {
          throw new AggregateError([error, rollbackError], 'the transaction failed and so did its rollback', {
            cause: rollbackError,
          });
        }
      }
      throw error;
    }
  }

  /**
   * Runs `fn` (one statement, or a whole transaction) with error mapping, serialised on
   * single-writer databases. A deadlock, serialization failure or busy database means nothing
   * was applied, so `fn` is run again from the start, with short jittered pauses, for up to
   * 15 s; any other error is mapped and thrown.
   */
  async single<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const guarded = async (): Promise<T> => {
      const deadline = performance.now() + RETRY_FOR_MS;
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await fn();
        } catch (error) {
          if (performance.now() > deadline || !this.dialect.isRetryable(error)) throw this.mapError(what, error);
          await sleep(retryPause(attempt));
        }
      }
    };
    return this.dialect.singleWriter ? this.mutex.run(guarded) : guarded();
  }

  /**
   * Runs `fn` in a transaction of the caller's ({@link CallerTransaction}): errors mapped and
   * named by `what`, with no retry (a deadlock or serialization failure fails the caller's whole
   * transaction, which only they can run again) and outside the single-writer queue (the
   * caller's connection is not the store's).
   */
  async inCaller<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.mapError(what, error);
    }
  }

  /** Maps a driver error to core's errors: duplicate keys to DuplicateKeyError, the rest to DatastoreError. */
  mapError(what: string, error: unknown): Error {
    if (error instanceof RookeryError) return error;
    const detail = this.dialect.duplicateKeyDetail(error);
    if (detail !== undefined) {
      return new DuplicateKeyError(duplicateField(detail), `${what} refused: the key is already taken (${detail})`, {
        cause: error,
      });
    }
    const message = error instanceof Error ? error.message : String(error);
    return new DatastoreError(`${what} failed on ${this.dialect.name}: ${message}`, { cause: error });
  }
}
