import type { SqlDialect } from '../dialect/dialect.js';
import type { Migration } from './migration.js';

/**
 * Outcomes of external executions reported from outside a node (`rookery task report`), at
 * most one per task: the report for the task's current `execution_id` (a new execution
 * deletes its task's report). A table of its own rather than a column, because adding a
 * column cannot be written re-runnably on every dialect (SQLite and MySQL have no
 * `ADD COLUMN IF NOT EXISTS`).
 */
export const executionReportsMigration: Migration = {
  version: 4,
  name: 'execution-reports',
  statements(d: SqlDialect): string[] {
    const t = d.types;
    return [
      d.createTableSql(
        'rookery_execution_reports',
        [
          `task_id ${t.id} NOT NULL PRIMARY KEY`,
          `execution_id ${t.varchar(500)} NOT NULL`,
          `status ${t.text} NOT NULL`,
          `reported_at ${t.bigint} NOT NULL`,
        ].join(',\n'),
      ),
    ];
  },
};
