import type { SqlDialect } from '../dialect/dialect.js';
import type { Migration } from './migration.js';

/**
 * An index that gives the schedule claim its order: `(state, next_fire_at)`. The claim asks for
 * active, ungated schedules by next fire time; the initial index has the gate between the two,
 * and PostgreSQL does not take `gate_task_id IS NULL` as fixing that column, so it sorted every
 * due schedule on each claim (measured: 9 ms per claim of 50 with 10 000 due). Gated schedules
 * are few and are filtered on the way.
 */
export const dueSchedulesIndexMigration: Migration = {
  version: 6,
  name: 'due-schedules-index',
  statements(d: SqlDialect): string[] {
    return [d.createIndexSql('rookery_schedules_due', 'rookery_schedules', ['state', 'next_fire_at'], false)];
  },
};
