import type { SqlDialect } from '../dialect/dialect.js';
import type { Migration } from './migration.js';

/**
 * An index that leads the task claim with the executor: `(state, executor, priority DESC,
 * due_at)`. A claim asks for the due pending tasks of the executors its node offers; on the
 * initial index `(state, priority DESC, due_at)` the pending tasks of executors no node offers
 * sit in the same walk, and a claim stepped over every one of them (measured on PostgreSQL:
 * 16.7 ms per claim past 100 000 such tasks). The claim walks this index once per offered
 * executor, in order, and stops at its limit, so rows of other executors are never visited.
 * The same index answers the backlog of pending tasks by executor.
 */
export const executorClaimIndexMigration: Migration = {
  version: 8,
  name: 'executor-claim-index',
  statements(d: SqlDialect): string[] {
    return [
      d.createIndexSql(
        'rookery_tasks_executor_claim',
        'rookery_tasks',
        ['state', 'executor', 'priority DESC', 'due_at'],
        false,
      ),
    ];
  },
};
