import type { SqlDialect } from '../dialect/dialect.js';
import type { Migration } from './migration.js';

/**
 * The initial schema. Every instant is a BIGINT of epoch milliseconds; JSON documents are text.
 * Indexes serve exactly the polls: schedule claims (state, next_fire_at), task claims
 * (state, priority DESC, due_at), missed-deadline settling (state, deadline_at), repair
 * (state, lease_expires_at), and the ledger (schedule_id, fire_at), which is also the unique
 * key that makes peeling idempotent.
 */
export const initialMigration: Migration = {
  version: 1,
  name: 'initial',
  statements(d: SqlDialect): string[] {
    const t = d.types;
    return [
      d.createTableSql(
        'rookery_schedules',
        [
          `id ${t.id} NOT NULL PRIMARY KEY`,
          `name ${t.varchar(200)} NOT NULL`,
          `name_key ${t.binaryKey(200)} NOT NULL`,
          `executor ${t.varchar(200)} NOT NULL`,
          `payload ${t.text} NOT NULL`,
          `trigger_json ${t.text} NOT NULL`,
          `start_at ${t.bigint} NULL`,
          `end_at ${t.bigint} NULL`,
          `policies ${t.text} NOT NULL`,
          `duplicate_policy ${t.varchar(16)} NOT NULL`,
          `state ${t.varchar(16)} NOT NULL`,
          `next_fire_at ${t.bigint} NULL`,
          `gate_task_id ${t.id} NULL`,
          `gate_release ${t.varchar(8)} NULL`,
          `after_run_delay_ms ${t.bigint} NULL`,
          `slot_task_id ${t.id} NULL`,
          `slot_expires_at ${t.bigint} NULL`,
          `lease_owner ${t.varchar(200)} NULL`,
          `lease_expires_at ${t.bigint} NULL`,
          `fence ${t.bigint} NOT NULL`,
          `version ${t.bigint} NOT NULL`,
          `created_at ${t.bigint} NOT NULL`,
          `updated_at ${t.bigint} NOT NULL`,
        ].join(',\n'),
      ),
      d.createIndexSql('rookery_schedules_name_key', 'rookery_schedules', ['name_key'], true),
      // Gated schedules are left out by the index itself, so a claim's cost never grows with them.
      d.createIndexSql(
        'rookery_schedules_claim',
        'rookery_schedules',
        ['state', 'gate_task_id', 'next_fire_at'],
        false,
      ),
      d.createTableSql(
        'rookery_tasks',
        [
          `id ${t.id} NOT NULL PRIMARY KEY`,
          `schedule_id ${t.id} NOT NULL`,
          `fire_at ${t.bigint} NOT NULL`,
          `span_end_at ${t.bigint} NULL`,
          `span_count ${t.int} NOT NULL`,
          `due_at ${t.bigint} NOT NULL`,
          `deadline_at ${t.bigint} NULL`,
          `state ${t.varchar(16)} NOT NULL`,
          `attempt ${t.int} NOT NULL`,
          `failures ${t.int} NOT NULL`,
          `repairs ${t.int} NOT NULL`,
          `fence ${t.bigint} NOT NULL`,
          `version ${t.bigint} NOT NULL`,
          `executor ${t.varchar(200)} NOT NULL`,
          `payload ${t.text} NOT NULL`,
          `policies ${t.text} NOT NULL`,
          `duplicate_policy ${t.varchar(16)} NOT NULL`,
          `delivery ${t.varchar(16)} NOT NULL`,
          `priority ${t.int} NOT NULL`,
          `lease_owner ${t.varchar(200)} NULL`,
          `lease_expires_at ${t.bigint} NULL`,
          `node_id ${t.varchar(200)} NULL`,
          `started_at ${t.bigint} NULL`,
          `ended_at ${t.bigint} NULL`,
          `result ${t.text} NULL`,
          `error ${t.text} NULL`,
          `reason ${t.text} NULL`,
          `execution_id ${t.varchar(500)} NULL`,
          `cancel_requested ${t.int} NOT NULL`,
          `created_at ${t.bigint} NOT NULL`,
          `updated_at ${t.bigint} NOT NULL`,
        ].join(',\n'),
      ),
      d.createIndexSql('rookery_tasks_schedule_fire', 'rookery_tasks', ['schedule_id', 'fire_at'], true),
      d.createIndexSql('rookery_tasks_claim', 'rookery_tasks', ['state', 'priority DESC', 'due_at'], false),
      d.createIndexSql('rookery_tasks_deadline', 'rookery_tasks', ['state', 'deadline_at'], false),
      d.createIndexSql('rookery_tasks_repair', 'rookery_tasks', ['state', 'lease_expires_at'], false),
      d.createTableSql(
        'rookery_task_events',
        [
          t.autoIncrementPk,
          `task_id ${t.id} NOT NULL`,
          `at ${t.bigint} NOT NULL`,
          `from_state ${t.varchar(16)} NULL`,
          `to_state ${t.varchar(16)} NOT NULL`,
          `node_id ${t.varchar(200)} NULL`,
          `reason ${t.text} NULL`,
          `fence ${t.bigint} NOT NULL`,
        ].join(',\n'),
      ),
      d.createIndexSql('rookery_task_events_task', 'rookery_task_events', ['task_id'], false),
      d.createTableSql(
        'rookery_task_logs',
        [t.autoIncrementPk, `task_id ${t.id} NOT NULL`, `at ${t.bigint} NOT NULL`, `line ${t.text} NOT NULL`].join(
          ',\n',
        ),
      ),
      d.createIndexSql('rookery_task_logs_task', 'rookery_task_logs', ['task_id'], false),
      d.createTableSql(
        'rookery_nodes',
        [
          `id ${t.varchar(200)} NOT NULL PRIMARY KEY`,
          `host ${t.varchar(255)} NOT NULL`,
          `pid ${t.int} NOT NULL`,
          `executors ${t.text} NOT NULL`,
          `started_at ${t.bigint} NOT NULL`,
          `heartbeat_at ${t.bigint} NOT NULL`,
          `stopped_at ${t.bigint} NULL`,
          `clock_offset_ms ${t.bigint} NOT NULL`,
        ].join(',\n'),
      ),
    ];
  },
};
