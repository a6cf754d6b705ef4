import type { SqlDialect } from '../dialect/dialect.js';
import type { Migration } from './migration.js';

/**
 * Key locks: `dedupe_lock` holds the lock of a job's key whose scope outlives its task
 * (`ever:<key>`, `period:<ms>:<n>:<key>`), unique among stored tasks whatever their state,
 * so that a key enqueued again while its lock is held answers the task that holds it. NULL
 * for every other task, and NULLs do not collide ({@link SqlDialect.uniqueWhenSetIndexSql}).
 */
export const keyLocksMigration: Migration = {
  version: 12,
  name: 'key-locks',
  statements(d: SqlDialect): string[] {
    return [
      d.addColumnSql('rookery_tasks', 'dedupe_lock', d.types.varchar(260)),
      d.uniqueWhenSetIndexSql('rookery_tasks_key_lock', 'rookery_tasks', 'dedupe_lock'),
    ];
  },
};
