import { SchemaBehindError, SchemaTooNewError, ValidationError } from '@rookery/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqlDatastore, type SqlDatastore } from '../src/index.js';
import { dialectFor } from '../src/dialect/index.js';
import { scheduleValidationMigration } from '../src/migrations/0005-schedule-validation.js';
import { MIGRATIONS } from '../src/migrations/migrator.js';
import { ROOKERY_TABLES, testDialects, type TestDatabase } from './helpers/test-databases.js';

const VERSIONS = MIGRATIONS.map((m) => m.version);
const LATEST = VERSIONS.at(-1) ?? 0;

for (const dialect of await testDialects()) {
  describe.skipIf(!dialect.available)(`migrations: ${dialect.label}`, () => {
    const open: SqlDatastore[] = [];
    const dbs: TestDatabase[] = [];

    async function freshStore(): Promise<{ db: TestDatabase; store: SqlDatastore }> {
      const db = await dialect.create();
      dbs.push(db);
      const store = await createSqlDatastore({ url: db.url, migrate: 'manual' });
      open.push(store);
      return { db, store };
    }

    async function storeOn(db: TestDatabase): Promise<SqlDatastore> {
      const store = await createSqlDatastore({ url: db.url, migrate: 'manual' });
      open.push(store);
      return store;
    }

    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
      for (const db of dbs.splice(0)) await db.drop();
    });

    it('reports a fresh database as wholly pending, migrates it, and is idempotent', async () => {
      const { store } = await freshStore();
      const before = await store.migrationStatus();
      expect(before).toMatchObject({ databaseVersion: 0, applied: [] });
      expect(before.pending.map((m) => m.version)).toEqual(VERSIONS);
      expect(before.codeVersion).toBe(LATEST);

      const after = await store.migrate();
      expect(after).toMatchObject({ databaseVersion: LATEST, codeVersion: LATEST, pending: [] });
      expect(after.applied.map((m) => [m.version, m.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
      const now = await store.clockNow();
      expect(Math.abs((after.applied[0]?.appliedAt ?? 0) - now)).toBeLessThan(60_000);

      expect(await store.migrate()).toEqual(after);
      expect(await store.migrationStatus()).toEqual(after);
      for (const table of ROOKERY_TABLES) {
        await expect(store.sequelize.query(`SELECT COUNT(*) AS n FROM ${table}`)).resolves.toBeDefined();
      }
    });

    // Only where DDL is not transactional can a migration be interrupted half-way and re-run.
    // SQLite's migration and its version record commit in one transaction (its ADD COLUMN has no
    // guard and needs none), so there the case does not arise and there is no test of it.
    const ddlIsTransactional = dialect.label.startsWith('sqlite');
    if (!ddlIsTransactional)
      it('can run the statements of migration 5 (schedule validation) again on a migrated database (an interrupted migration is re-run)', async () => {
        const { store } = await freshStore();
        await store.migrate();
        for (const statement of scheduleValidationMigration.statements(dialectFor(store.dialectName)))
          await store.sequelize.query(statement);
        const [rows] = await store.sequelize.query(
          'SELECT client_id, validated_by, validated_at, rejected_field, rejected_reason FROM rookery_schedules',
        );
        expect(rows).toEqual([]);
      });

    it('lets two nodes migrate one fresh database at once', async () => {
      const { db, store: a } = await freshStore();
      const b = await storeOn(db);
      const [ra, rb] = await Promise.all([a.migrate(), b.migrate()]);
      expect(ra.databaseVersion).toBe(LATEST);
      expect(rb.databaseVersion).toBe(LATEST);
      const [rows] = await a.sequelize.query('SELECT version FROM rookery_migrations');
      expect(rows).toHaveLength(MIGRATIONS.length);
    });

    it('lets two nodes create their stores (which migrate) on one fresh database at once', async () => {
      const db = await dialect.create();
      dbs.push(db);
      const stores = await Promise.all([createSqlDatastore({ url: db.url }), createSqlDatastore({ url: db.url })]);
      open.push(...stores);
      for (const s of stores) expect((await s.migrationStatus()).pending).toEqual([]);
    });

    it('with migrate: false, refuses a database that is behind (SchemaBehindError naming the versions) and changes nothing', async () => {
      const { db, store } = await freshStore();
      const fresh = await createSqlDatastore({ url: db.url, migrate: false }).catch((e: unknown) => e);
      expect(fresh).toBeInstanceOf(SchemaBehindError);
      expect(fresh).toMatchObject({
        code: 'SCHEMA_BEHIND',
        databaseVersion: 0,
        codeVersion: LATEST,
        pending: VERSIONS,
      });
      expect((fresh as Error).message).toContain(`at migration 0 but this Rookery needs ${LATEST}`);
      expect(await store.sequelize.getQueryInterface().tableExists('rookery_migrations')).toBe(false);

      await store.migrate();
      // The records of migrations 6 on are taken away (their changes stay), then put back: not
      // every migration can run twice (an added column).
      const [taken] = await store.sequelize.query(
        'SELECT version, name, applied_at FROM rookery_migrations WHERE version > 5',
      );
      await store.sequelize.query('DELETE FROM rookery_migrations WHERE version > 5');
      const behind = await createSqlDatastore({ url: db.url, migrate: false }).catch((e: unknown) => e);
      expect(behind).toMatchObject({ databaseVersion: 5, codeVersion: LATEST, pending: VERSIONS.filter((v) => v > 5) });
      expect((await store.migrationStatus()).databaseVersion).toBe(5);

      for (const row of taken as { version: number; name: string; applied_at: number }[]) {
        await store.sequelize.query(
          'INSERT INTO rookery_migrations (version, name, applied_at) VALUES (:version, :name, :appliedAt)',
          {
            replacements: { version: Number(row.version), name: row.name, appliedAt: Number(row.applied_at) },
          },
        );
      }
      const current = await createSqlDatastore({ url: db.url, migrate: false });
      open.push(current);
      expect((await current.migrationStatus()).pending).toEqual([]);
    });

    it('plans the SQL of every pending migration without writing anything, and that SQL, run by hand, migrates the database', async () => {
      const { store } = await freshStore();
      const plan = await store.migrationPlan();
      expect(plan.status).toMatchObject({ databaseVersion: 0, codeVersion: LATEST });
      expect(plan.migrations.map((m) => [m.version, m.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
      expect(plan.migrations[0]?.statements.at(-1)).toMatch(
        /^INSERT INTO rookery_migrations \(version, name, applied_at\) VALUES \(1, 'initial'/,
      );
      expect(await store.sequelize.getQueryInterface().tableExists('rookery_migrations')).toBe(false);
      expect(await store.sequelize.getQueryInterface().tableExists('rookery_tasks')).toBe(false);

      await store.sequelize.query(plan.setup);
      for (const migration of plan.migrations)
        for (const statement of migration.statements) await store.sequelize.query(statement);
      expect(await store.migrationStatus()).toMatchObject({ databaseVersion: LATEST, pending: [] });
      expect((await store.migrationPlan()).migrations).toEqual([]);
      for (const table of ROOKERY_TABLES) {
        await expect(store.sequelize.query(`SELECT COUNT(*) AS n FROM ${table}`)).resolves.toBeDefined();
      }
    });

    it('refuses a migrate option other than true, false or manual, naming the field', async () => {
      const db = await dialect.create();
      dbs.push(db);
      const error = await createSqlDatastore({ url: db.url, migrate: 'yes' as unknown as boolean }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ field: 'migrate' });
    });

    it('refuses a database whose schema is newer than the code', async () => {
      const { db, store } = await freshStore();
      await store.migrate();
      await store.sequelize.query(
        "INSERT INTO rookery_migrations (version, name, applied_at) VALUES (999, 'from-the-future', 0)",
      );
      const error = await store.migrate().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SchemaTooNewError);
      expect(error).toMatchObject({ databaseVersion: 999, codeVersion: LATEST, code: 'SCHEMA_TOO_NEW' });
      await expect(createSqlDatastore({ url: db.url })).rejects.toBeInstanceOf(SchemaTooNewError);
      await expect(createSqlDatastore({ url: db.url, migrate: false })).rejects.toBeInstanceOf(SchemaTooNewError);
      await expect(createSqlDatastore({ url: db.url, migrate: 'manual' })).rejects.toBeInstanceOf(SchemaTooNewError);
      await expect(store.migrationPlan()).rejects.toBeInstanceOf(SchemaTooNewError);
      expect((await store.migrationStatus()).databaseVersion).toBe(999);
    });
  });
}
