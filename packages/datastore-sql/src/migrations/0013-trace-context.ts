import type { SqlDialect } from '../dialect/dialect.js';
import type { Migration } from './migration.js';

/**
 * `trace_context`: the W3C trace context of the code that enqueued a task (JSON of
 * `traceparent` and `tracestate`), null when none was active, so that the task's run span
 * continues the enqueuing trace on whichever node runs it.
 */
export const traceContextMigration: Migration = {
  version: 13,
  name: 'trace-context',
  statements(d: SqlDialect): string[] {
    return [d.addColumnSql('rookery_tasks', 'trace_context', d.types.text)];
  },
};
