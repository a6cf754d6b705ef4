import type { SqlDialect } from '../dialect/dialect.js';
import type { Migration } from './migration.js';

/**
 * Asynchronous validation of submitted schedules. `rookery_schedules` gains the submitting
 * client (`client_id`) and the verdict (`validated_by`, `validated_at`, `rejected_field`,
 * `rejected_reason`); `state` widens to hold `pending-validation`. Two indexes serve the new
 * queries: the validation claim walks `(state, created_at)`, a client's listing
 * `(client_id, created_at)`. Every statement is re-runnable.
 */
export const scheduleValidationMigration: Migration = {
  version: 5,
  name: 'schedule-validation',
  statements(d: SqlDialect): string[] {
    const t = d.types;
    const table = 'rookery_schedules';
    const widen = d.widenColumnSql(table, 'state', t.varchar(32));
    return [
      ...(widen === null ? [] : [widen]),
      d.addColumnSql(table, 'client_id', t.varchar(200)),
      d.addColumnSql(table, 'validated_by', t.varchar(200)),
      d.addColumnSql(table, 'validated_at', t.bigint),
      d.addColumnSql(table, 'rejected_field', t.varchar(500)),
      d.addColumnSql(table, 'rejected_reason', t.text),
      d.createIndexSql('rookery_schedules_validation', table, ['state', 'created_at'], false),
      d.createIndexSql('rookery_schedules_client', table, ['client_id', 'created_at'], false),
    ];
  },
};
