import type { SqlDialect } from '../dialect/dialect.js';
import type { Migration } from './migration.js';

/**
 * An index of the jobs alone by `(fire_at, id)`, for the list of jobs only (`schedule_id = id`,
 * newest first, keyset paging): on `rookery_tasks_fire` that list stepped over every task of
 * every schedule between two jobs (measured on PostgreSQL at 10⁵ tasks, 100 of them jobs: a
 * page read all 10⁵ rows, 23 ms; with an executor filter, a sequential scan). Each job writes
 * one more index entry. See {@link SqlDialect.jobsListIndexSql} for the databases without one.
 */
export const jobsListIndexMigration: Migration = {
  version: 15,
  name: 'jobs-list-index',
  statements(d: SqlDialect): string[] {
    return d.jobsListIndexSql();
  },
};
