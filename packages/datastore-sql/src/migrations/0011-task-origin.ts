import type { SqlDialect } from '../dialect/dialect.js';
import type { Migration } from './migration.js';

/**
 * Where a task comes from, kept for the life of its row (its `reason` changes with every
 * attempt): `manual` for an operator's extra run of a schedule (`runSchedule`). Left NULL for
 * the tasks a trigger peels and for jobs, which their `schedule_id` tells apart, so that the
 * hot insert paths write nothing more. Nullable: no table rebuild on SQLite.
 */
export const taskOriginMigration: Migration = {
  version: 11,
  name: 'task-origin',
  statements(d: SqlDialect): string[] {
    return [d.addColumnSql('rookery_tasks', 'origin', d.types.varchar(16))];
  },
};
