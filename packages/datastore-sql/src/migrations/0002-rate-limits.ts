import type { SqlDialect } from '../dialect/dialect.js';
import type { Migration } from './migration.js';

/**
 * Cluster-wide rate limits of executors: one row per limited executor with its limit (starts
 * per second) and the state of its current one-second window of the database clock
 * (`window_start`, `window_count`), which the claim transaction reads and advances under a
 * version guard.
 */
export const rateLimitsMigration: Migration = {
  version: 2,
  name: 'rate-limits',
  statements(d: SqlDialect): string[] {
    const t = d.types;
    return [
      d.createTableSql(
        'rookery_rate_limits',
        [
          `executor ${t.varchar(200)} NOT NULL PRIMARY KEY`,
          `per_second ${t.int} NOT NULL`,
          `window_start ${t.bigint} NOT NULL`,
          `window_count ${t.int} NOT NULL`,
          `set_by ${t.varchar(200)} NULL`,
          `version ${t.bigint} NOT NULL`,
          `updated_at ${t.bigint} NOT NULL`,
        ].join(',\n'),
      ),
    ];
  },
};
