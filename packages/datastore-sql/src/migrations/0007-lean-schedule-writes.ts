import type { SqlDialect } from '../dialect/dialect.js';
import type { Migration } from './migration.js';

/**
 * Fewer index writes per schedule change. `rookery_schedules_claim` (state, gate, next fire
 * time) no longer serves any statement since migration 6 gave the claim its own index, yet
 * every peel paid to maintain it. On PostgreSQL, schedule pages keep 30 % free: taking a
 * schedule's lease changes no indexed column, so the new row version can stay on its page and
 * skip all the indexes (a HOT update), instead of adding an entry to each.
 */
export const leanScheduleWritesMigration: Migration = {
  version: 7,
  name: 'lean-schedule-writes',
  statements(d: SqlDialect): string[] {
    const fillFactor = d.fillFactorSql('rookery_schedules', 70);
    return [
      d.dropIndexSql('rookery_schedules_claim', 'rookery_schedules'),
      ...(fillFactor === null ? [] : [fillFactor]),
    ];
  },
};
