import type { TaskFinishParams } from '@rookery/core';
import { makeNewTask, makeSchedule } from '@rookery/core/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresDialect as postgresSql } from '../src/dialect/postgres/postgres-dialect.js';
import { FINISH_COLUMN_TYPES, finishColumns, finishSql } from '../src/dialect/postgres/tasks-finish-statement.js';
import { createSqlDatastore, type SqlDatastore } from '../src/index.js';
import { scansOf, type PlanNode } from './helpers/postgres-plans.js';
import { postgresDialect, type TestDatabase } from './helpers/test-databases.js';

/** Once schedules whose task is still pending (due in an hour). */
const LIVE = 2_000;
/** Once schedules whose task runs and is finished by the statement under test. */
const ENDING = 50;
/** Most task or schedule rows a scan of the finish may read: a few per task it ends, whatever the number of live tasks. */
const MOST_ROWS_READ = 10 * ENDING;

const dialect = await postgresDialect();

/**
 * Ending the tasks of `once` schedules marks those schedules done, which asks whether each still
 * has a live task. That question must be one index probe per schedule: answered by walking the
 * live tasks instead (an anti join the planner picks when its statistics predate the tasks, as
 * they do after a burst of new schedules), a finish of 500 tasks beside 10,000 live ones ran
 * past the statement timeout and stalled the whole cluster.
 */
describe.skipIf(!dialect.available)('finish plan beside many live tasks of once schedules on postgres', () => {
  let db: TestDatabase | undefined;
  let store: SqlDatastore;
  let finishes: TaskFinishParams[];

  /** Creates `count` once schedules firing at `at` and peels each into its one pending task. */
  async function onceTasks(count: number, at: number): Promise<void> {
    const now = await store.clockNow();
    await store.scheduleCreateMany(
      Array.from({ length: count }, () =>
        makeSchedule({ executor: 'noop', trigger: { kind: 'once', at }, nextFireAt: now - 1_000 }),
      ),
    );
    const claimed = await store.scheduleClaimDue({
      owner: 'fill',
      limit: count,
      lookaheadMs: 7_200_000,
      leaseMs: 60_000,
    });
    expect(claimed).toHaveLength(count);
    const peeled = await store.schedulePeelMany({
      peels: claimed.map((s) => ({
        scheduleId: s.id,
        owner: 'fill',
        fence: s.fence,
        tasks: [makeNewTask({ fireAt: at })],
        nextFireAt: null,
        gateTaskId: null,
        nodeId: 'fill',
      })),
    });
    expect(peeled.every((p) => p.ok)).toBe(true);
  }

  /** Claims `count` due tasks: the commits that would complete them. */
  async function running(count: number): Promise<TaskFinishParams[]> {
    const { started } = await store.taskClaimDue({
      owner: 'o',
      nodeId: 'n',
      limit: count,
      leaseMs: 60_000,
      executors: ['noop'],
    });
    expect(started).toHaveLength(count);
    return started.map((t) => ({
      taskId: t.id,
      owner: 'o',
      fence: t.fence,
      nodeId: 'n',
      outcome: { state: 'completed', result: null, reason: null },
    }));
  }

  beforeAll(async () => {
    db = await dialect.create();
    store = await createSqlDatastore({ url: db.url, poolMax: 1 });
    const now = await store.clockNow();
    // A cluster that has run many tasks, its statistics taken then: hardly any task is live.
    await onceTasks(LIVE, now - 2_000);
    await store.taskFinishMany({ finishes: await running(LIVE) });
    await store.sequelize.query('ANALYZE');
    // Then a burst of new once schedules: many live tasks, a few of them running.
    await onceTasks(LIVE, now + 3_600_000);
    await onceTasks(ENDING, now - 1_000);
    finishes = await running(ENDING);
  }, 120_000);

  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  /**
   * Runs the one-statement finish of `finishes` under EXPLAIN ANALYZE with `plan_cache_mode`
   * forced to `mode`, in a transaction rolled back afterwards: its plan, and the states it left
   * the tasks and their schedules in.
   */
  async function explainFinish(
    mode: 'custom' | 'generic',
  ): Promise<{ plan: PlanNode; tasks: string[]; schedules: string[] }> {
    const manager = store.sequelize.connectionManager;
    const connection = (await manager.getConnection({ type: 'write' })) as pg.Client;
    try {
      await connection.query('BEGIN');
      await connection.query(`SET LOCAL plan_cache_mode = force_${mode}_plan`);
      await connection.query(`PREPARE finish_plan AS ${finishSql(postgresSql.clockSql)}`);
      // EXECUTE takes no bound parameters: the commits' columns go in as array literals.
      const literal = (v: unknown): string => (v === null ? 'NULL' : connection.escapeLiteral(String(v)));
      const columns = finishColumns(finishes).map(
        (values, i) => `ARRAY[${values.map(literal).join(', ')}]::${FINISH_COLUMN_TYPES[i] ?? 'text'}[]`,
      );
      // The statement's $1 is the clock (NULL: the database's); the commits' columns follow.
      const { rows } = await connection.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE finish_plan(NULL, ${columns.join(', ')})`,
      );
      const ids = finishes.map((f) => f.taskId);
      const tasks = await connection.query<{ state: string; schedule_id: string }>(
        'SELECT state, schedule_id FROM rookery_tasks WHERE id = ANY($1) ORDER BY id',
        [ids],
      );
      const schedules = await connection.query<{ state: string }>(
        'SELECT state FROM rookery_schedules WHERE id = ANY($1)',
        [tasks.rows.map((t) => t.schedule_id)],
      );
      const plan = rows[0]?.['QUERY PLAN'][0]?.Plan;
      if (!plan) throw new Error('EXPLAIN answered no plan');
      return { plan, tasks: tasks.rows.map((t) => t.state), schedules: schedules.rows.map((r) => r.state) };
    } finally {
      await connection.query('ROLLBACK');
      await connection.query('DEALLOCATE finish_plan');
      manager.releaseConnection(connection);
    }
  }

  it.each(['custom', 'generic'] as const)(
    'the one-statement finish (%s plan) reads a few task and schedule rows per task it ends, and marks their schedules done',
    async (mode) => {
      const { plan, tasks, schedules } = await explainFinish(mode);
      const scans = [...scansOf('rookery_tasks', plan), ...scansOf('rookery_schedules', plan)];
      for (const scan of scans) expect(scan.rowsRead, JSON.stringify(scans)).toBeLessThan(MOST_ROWS_READ);
      expect(tasks).toEqual(finishes.map(() => 'completed'));
      expect(schedules).toEqual(finishes.map(() => 'done'));
    },
  );
});
