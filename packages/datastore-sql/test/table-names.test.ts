import { describe, expect, it } from 'vitest';
import { dialectFor } from '../src/dialect/index.js';
import { TableNames } from '../src/store/table-names.js';

describe('table names: the store SQL placed in a schema and behind a prefix', () => {
  const pg = new TableNames(dialectFor('postgres'), { schema: 'jobs', tablePrefix: 'app_' });

  it('qualifies tables and prefixes them, in every position', () => {
    expect(pg.sql('SELECT t.id FROM rookery_tasks t JOIN rookery_schedules s ON s.id = t.schedule_id')).toBe(
      'SELECT t.id FROM "jobs".app_tasks t JOIN "jobs".app_schedules s ON s.id = t.schedule_id',
    );
    expect(pg.sql('UPDATE rookery_tasks SET state = :s')).toBe('UPDATE "jobs".app_tasks SET state = :s');
  });

  it('prefixes index names without qualifying them where they are created, and qualifies them where PostgreSQL drops them', () => {
    expect(pg.sql('CREATE UNIQUE INDEX IF NOT EXISTS rookery_tasks_live_key ON rookery_tasks (dedupe_key)')).toBe(
      'CREATE UNIQUE INDEX IF NOT EXISTS app_tasks_live_key ON "jobs".app_tasks (dedupe_key)',
    );
    expect(pg.sql('DROP INDEX IF EXISTS rookery_tasks_claim')).toBe('DROP INDEX IF EXISTS "jobs".app_tasks_claim');
    const mysql = new TableNames(dialectFor('mysql'), { tablePrefix: 'app_' });
    expect(mysql.sql('SELECT id FROM rookery_tasks FORCE INDEX (rookery_tasks_claim)')).toBe(
      'SELECT id FROM app_tasks FORCE INDEX (app_tasks_claim)',
    );
    expect(mysql.sql('DROP INDEX IF EXISTS rookery_tasks_claim ON rookery_tasks')).toBe(
      'DROP INDEX IF EXISTS app_tasks_claim ON app_tasks',
    );
    const mssql = new TableNames(dialectFor('mssql'), { schema: 'jobs', tablePrefix: 'app_' });
    expect(
      mssql.sql(
        "IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'rookery_tasks_ended' AND object_id = OBJECT_ID(N'rookery_tasks'))",
      ),
    ).toBe(
      "IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'app_tasks_ended' AND object_id = OBJECT_ID(N'[jobs].app_tasks'))",
    );
  });

  it('passes statements unchanged by default, and answers the same text for the same statement', () => {
    const plain = new TableNames(dialectFor('sqlite'), { tablePrefix: 'rookery_' });
    const sql = 'SELECT * FROM rookery_tasks';
    expect(plain.identity).toBe(true);
    expect(plain.sql(sql)).toBe(sql);
    expect(pg.sql(sql)).toBe(pg.sql(sql));
    expect(pg.bare('rookery_migrations')).toBe('app_migrations');
  });
});
