import type { SqlDialect } from '../dialect/dialect.js';
import type { Migration } from './migration.js';

/**
 * Jobs: tasks enqueued with no schedule. A job's row carries its own id as its `schedule_id`
 * (mapped to a `scheduleId` of null), so the column stays NOT NULL and the unique key
 * (schedule_id, fire_at) holds unchanged: no table rebuild on SQLite, which cannot alter a
 * column, and no NULLs in a unique index, which MSSQL would count as equal. No schedule has a
 * task's id, so every join and gate on `schedule_id` finds nothing for a job.
 *
 * `dedupe_key` holds a job's key, unique among live (pending or running) tasks only: once
 * its task ends, the key is free. See {@link SqlDialect.liveKeyIndexSql} for how each
 * database enforces that.
 */
export const jobsMigration: Migration = {
  version: 9,
  name: 'jobs',
  statements(d: SqlDialect): string[] {
    return [d.addColumnSql('rookery_tasks', 'dedupe_key', d.types.varchar(200)), ...d.liveKeyIndexSql()];
  },
};
