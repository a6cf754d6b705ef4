import type { SqlDialect } from '../dialect/dialect.js';
import type { Migration } from './migration.js';

/**
 * An index on the tasks' end instant, so that retention pruning finds the oldest finished
 * tasks without reading the whole ledger.
 */
export const retentionIndexMigration: Migration = {
  version: 3,
  name: 'retention-index',
  statements(d: SqlDialect): string[] {
    return [d.createIndexSql('rookery_tasks_ended', 'rookery_tasks', ['ended_at'], false)];
  },
};
