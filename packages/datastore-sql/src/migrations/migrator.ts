import { SchemaBehindError, SchemaTooNewError } from '@rookery/core';
import { num } from '../store/row-mapping.js';
import type { SqlContext, Tx } from '../store/sql-context.js';
import { initialMigration } from './0001-initial.js';
import { rateLimitsMigration } from './0002-rate-limits.js';
import { retentionIndexMigration } from './0003-retention-index.js';
import { executionReportsMigration } from './0004-execution-reports.js';
import { scheduleValidationMigration } from './0005-schedule-validation.js';
import { dueSchedulesIndexMigration } from './0006-due-schedules-index.js';
import { leanScheduleWritesMigration } from './0007-lean-schedule-writes.js';
import { executorClaimIndexMigration } from './0008-executor-claim-index.js';
import { jobsMigration } from './0009-jobs.js';
import { listIndexesMigration } from './0010-list-indexes.js';
import { taskOriginMigration } from './0011-task-origin.js';
import { keyLocksMigration } from './0012-key-locks.js';
import { traceContextMigration } from './0013-trace-context.js';
import { partialTaskIndexesMigration } from './0014-partial-task-indexes.js';
import { jobsListIndexMigration } from './0015-jobs-list-index.js';
import type { SqlDialect } from '../dialect/dialect.js';
import type { Migration } from './migration.js';

/** Every migration this code knows, in order. Append only. */
export const MIGRATIONS: readonly Migration[] = [
  initialMigration,
  rateLimitsMigration,
  retentionIndexMigration,
  executionReportsMigration,
  scheduleValidationMigration,
  dueSchedulesIndexMigration,
  leanScheduleWritesMigration,
  executorClaimIndexMigration,
  jobsMigration,
  listIndexesMigration,
  taskOriginMigration,
  keyLocksMigration,
  traceContextMigration,
  partialTaskIndexesMigration,
  jobsListIndexMigration,
];

/** A migration recorded in `rookery_migrations`. */
export interface AppliedMigration {
  /** Sequence number. */
  version: number;
  /** Its name. */
  name: string;
  /** When it was applied, database clock (epoch ms). */
  appliedAt: number;
}

/** Where the database's schema stands relative to this code. */
export interface MigrationStatus {
  /** Newest migration applied to the database (0 for none). */
  databaseVersion: number;
  /** Newest migration this code knows. */
  codeVersion: number;
  /** Migrations recorded in the database, oldest first. */
  applied: AppliedMigration[];
  /** Migrations this code would apply, oldest first. */
  pending: { version: number; name: string }[];
}

/** A pending migration with the SQL that would apply and record it. */
export interface PlannedMigration {
  /** Sequence number. */
  version: number;
  /** Its name. */
  name: string;
  /** Its statements in the database's dialect, then the one that records it, in order. */
  statements: string[];
}

/** What {@link Migrator.plan} found: where the schema stands and the SQL that would bring it up to date. */
export interface MigrationPlan {
  /** Where the schema stands now. */
  status: MigrationStatus;
  /**
   * The statements that create the schema (when one is set) and the migrations table where
   * they are missing (no-ops where they exist), joined by `;` and a line break.
   */
  setup: string;
  /** The pending migrations, oldest first. */
  migrations: PlannedMigration[];
}

const TABLE = 'rookery_migrations';

/**
 * Applies numbered migrations under the dialect's migration lock (PostgreSQL
 * `pg_advisory_xact_lock`, MariaDB/MySQL `GET_LOCK`, SQLite `BEGIN IMMEDIATE`, MSSQL
 * `sp_getapplock`), recording each in `rookery_migrations(version, name, applied_at)`.
 * Idempotent; refuses a database whose schema is newer than the code. Every statement goes
 * through the context's table names, so a datastore with a schema or table prefix creates
 * the schema if missing and keeps its own migration records there.
 */
export class Migrator {
  /**
   * @param ctx - the store's SQL context
   * @param migrations - the migrations, in order (tests pass their own)
   */
  constructor(
    private readonly ctx: SqlContext,
    private readonly migrations: readonly Migration[] = MIGRATIONS,
  ) {}

  private get codeVersion(): number {
    return this.migrations.at(-1)?.version ?? 0;
  }

  /**
   * Brings the schema up to date; returns the status after. Throws SchemaTooNewError. The
   * migrations run under the cluster-wide migration lock; on a single-writer database (SQLite)
   * that is the store's own transaction on its one connection — a second connection would
   * change the schema under the first, whose next statement could then fail to see the new
   * tables (SQLite re-checks a stale schema only if it can take a read lock at that moment).
   */
  async migrate(): Promise<MigrationStatus> {
    const { ctx } = this;
    const dialect = ctx.dialect;
    if (dialect.singleWriter || dialect.withMigrationLock === undefined)
      return ctx.transaction('migrate', (tx) => this.apply(tx));
    // (Required: withMigrationLock was checked just above.)
    return ctx.single('migrate', () =>
      (dialect as Required<SqlDialect>).withMigrationLock(ctx.sequelize, (tx) => this.apply(tx)),
    );
  }

  private async apply(tx: Tx): Promise<MigrationStatus> {
    const { ctx } = this;
    for (const statement of this.setupStatements()) await ctx.run(statement, tx);
    const applied = await this.readApplied(tx);
    this.refuseNewer(applied);
    const done = new Set(applied.map((m) => m.version));
    for (const migration of this.migrations) {
      if (done.has(migration.version)) continue;
      for (const statement of this.statementsOf(migration)) {
        await ctx.run(statement, tx);
      }
    }
    return this.statusOf(await this.readApplied(tx));
  }

  /** Creates the schema (when one is set) and the migrations table, where missing; as written, before placing. */
  private setupStatements(): string[] {
    const { dialect, names } = this.ctx;
    const schema = names.quotedSchema;
    const createSchema = schema !== undefined && dialect.createSchemaSql ? [dialect.createSchemaSql(schema)] : [];
    return [...createSchema, this.tableSql()];
  }

  private tableSql(): string {
    const t = this.ctx.dialect.types;
    return this.ctx.dialect.createTableSql(
      TABLE,
      `version ${t.int} NOT NULL PRIMARY KEY,\nname ${t.varchar(200)} NOT NULL,\napplied_at ${t.bigint} NOT NULL`,
    );
  }

  /** The migration's DDL, then the insert recording it (version and name are the code's own constants). */
  private statementsOf(migration: Migration): string[] {
    const record = `INSERT INTO ${TABLE} (version, name, applied_at) VALUES (${migration.version}, '${migration.name.replaceAll("'", "''")}', ${this.ctx.dialect.clockSql})`;
    return [...migration.statements(this.ctx.dialect), record];
  }

  /**
   * The SQL that {@link migrate} would run on this database, read without writing anything
   * (not even the migrations table). Throws SchemaTooNewError. `migrate` runs these statements
   * under the dialect's migration lock, in one transaction where the dialect's DDL is
   * transactional.
   */
  async plan(): Promise<MigrationPlan> {
    const status = await this.status();
    this.refuseNewer(status.applied);
    const pending = new Set(status.pending.map((m) => m.version));
    const migrations = this.migrations
      .filter((m) => pending.has(m.version))
      .map((m) => ({
        version: m.version,
        name: m.name,
        statements: this.statementsOf(m).map((sql) => this.ctx.names.sql(sql)),
      }));
    return {
      status,
      setup: this.setupStatements()
        .map((sql) => this.ctx.names.sql(sql))
        .join(';\n'),
      migrations,
    };
  }

  /** Reads where the schema stands, without changing anything. */
  async status(): Promise<MigrationStatus> {
    const { ctx } = this;
    return ctx.single('read migration status', async () => {
      const { names } = ctx;
      const table = names.bare(TABLE);
      const exists = await ctx.sequelize
        .getQueryInterface()
        .tableExists(
          names.placement.schema !== undefined ? { tableName: table, schema: names.placement.schema } : table,
        );
      return this.statusOf(exists ? await this.readApplied() : []);
    });
  }

  /** Throws SchemaTooNewError when the database holds a migration newer than the code. */
  async assertNotNewer(): Promise<void> {
    this.refuseNewer((await this.status()).applied);
  }

  /**
   * Throws SchemaBehindError when migrations are pending, SchemaTooNewError when the database
   * holds a migration newer than the code; changes nothing.
   */
  async assertCurrent(): Promise<void> {
    const status = await this.status();
    this.refuseNewer(status.applied);
    if (status.pending.length > 0) {
      throw new SchemaBehindError(
        status.databaseVersion,
        status.codeVersion,
        status.pending.map((m) => m.version),
      );
    }
  }

  private refuseNewer(applied: AppliedMigration[]): void {
    const databaseVersion = Math.max(0, ...applied.map((m) => m.version));
    if (databaseVersion > this.codeVersion) throw new SchemaTooNewError(databaseVersion, this.codeVersion);
  }

  private async readApplied(tx?: Tx): Promise<AppliedMigration[]> {
    const rows = await this.ctx.select(`SELECT version, name, applied_at FROM ${TABLE} ORDER BY version`, {}, tx);
    return rows.map((r) => ({ version: num(r['version']), name: String(r['name']), appliedAt: num(r['applied_at']) }));
  }

  private statusOf(applied: AppliedMigration[]): MigrationStatus {
    const done = new Set(applied.map((m) => m.version));
    return {
      databaseVersion: Math.max(0, ...applied.map((m) => m.version)),
      codeVersion: this.codeVersion,
      applied,
      pending: this.migrations.filter((m) => !done.has(m.version)).map((m) => ({ version: m.version, name: m.name })),
    };
  }
}
