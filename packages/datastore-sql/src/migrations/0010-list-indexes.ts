import type { SqlDialect } from '../dialect/dialect.js';
import type { Migration } from './migration.js';

/**
 * Indexes for reading the ledger page by page, as the HTTP API and the dashboard do at a
 * million rows: `(fire_at, id)` serves the list of all tasks newest first (keyset paging from
 * the last task read, also when filtered by executor), `(state, fire_at, id)` the list of one
 * state, and `started_at` the overview's count of recent starts and its lateness samples. A
 * schedule's own ledger already has `(schedule_id, fire_at)`, and the schedules by name
 * `name_key`.
 */
export const listIndexesMigration: Migration = {
  version: 10,
  name: 'list-indexes',
  statements(d: SqlDialect): string[] {
    return [
      d.createIndexSql('rookery_tasks_fire', 'rookery_tasks', ['fire_at', 'id'], false),
      d.createIndexSql('rookery_tasks_state_fire', 'rookery_tasks', ['state', 'fire_at', 'id'], false),
      d.createIndexSql('rookery_tasks_started', 'rookery_tasks', ['started_at'], false),
    ];
  },
};
