import { makeNewTask, makeSchedule, schedulePeelOne } from '@rookery/core/testing';
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresDialect as postgresSql } from '../src/dialect/postgres/postgres-dialect.js';
import { mysqlDialect } from '../src/dialect/mysql.js';
import { sqliteDialect } from '../src/dialect/sqlite.js';
import { createSqlDatastore, type SqlDatastore } from '../src/index.js';
import { dueRowsSql, lateRowsSql } from '../src/store/claim-candidates.js';
import { claimSql } from '../src/dialect/postgres/tasks-claim-statement.js';
import { scansOf, type PlanNode } from './helpers/postgres-plans.js';
import { testDialects, type TestDatabase, type TestDialect } from './helpers/test-databases.js';

/** Pending tasks of an executor no node offers, all due before the runnable ones. */
const UNRUNNABLE = 3_000;
/** Due tasks of the executor the claim asks for. */
const RUNNABLE = 30;
/** Most task rows a claim of 20 may read, whatever the number of unrunnable rows. */
const MOST_ROWS_READ = 100;

/** Stores `count` due pending tasks of `executor`, due `dueAt`, `dueAt + 1`, …, through the store's own peel. */
async function storeDueTasks(store: SqlDatastore, executor: string, count: number, dueAt: number): Promise<void> {
  const now = await store.clockNow();
  const schedule = makeSchedule({ executor, nextFireAt: now });
  await store.scheduleCreate(schedule);
  for (let done = 0; done < count; done += 1_000) {
    const [claimed] = await store.scheduleClaimDue({ owner: 'fill', limit: 1, lookaheadMs: 0, leaseMs: 60_000 });
    expect(claimed?.id).toBe(schedule.id);
    const rows = Math.min(1_000, count - done);
    const tasks = Array.from({ length: rows }, (_, i) => makeNewTask({ fireAt: dueAt + done + i }));
    const last = done + rows >= count;
    const peeled = await schedulePeelOne(store, {
      scheduleId: schedule.id,
      owner: 'fill',
      fence: claimed?.fence ?? -1,
      tasks,
      nextFireAt: last ? null : now,
      gateTaskId: null,
      nodeId: 'fill',
    });
    expect(peeled.ok).toBe(true);
  }
}

/** Every table access of a MariaDB `ANALYZE FORMAT=JSON` document, wherever it is nested. */
function mariadbTables(node: unknown): { key?: string; r_rows?: number }[] {
  if (typeof node !== 'object' || node === null) return [];
  const here = 'table_name' in node ? [node as { key?: string; r_rows?: number }] : [];
  return [...here, ...Object.values(node).flatMap(mariadbTables)];
}

/** What each database's plan is checked for, and how. */
const PLAN_CHECKS: Record<TestDialect['label'], { title: string; check: (store: SqlDatastore) => Promise<void> }> = {
  postgres: {
    title: 'the one-statement claim (generic plan) reads no unrunnable row',
    async check(store) {
      const tx = await store.sequelize.transaction();
      try {
        const run = (sql: string): Promise<Record<string, unknown>[]> =>
          store.sequelize.query(sql, { transaction: tx, type: QueryTypes.SELECT });
        await run('SET LOCAL plan_cache_mode = force_generic_plan');
        await run(`PREPARE claim_plan AS ${claimSql(postgresSql.clockSql)}`);
        const [row] = await run(
          "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE claim_plan(NULL, ARRAY['noop'], 20, 'o', 10000, 'n', 'missed')",
        );
        const plan = (row?.['QUERY PLAN'] as { Plan: PlanNode }[])[0]?.Plan;
        expect(plan).toBeDefined();
        const scans = scansOf('rookery_tasks', plan as PlanNode);
        for (const scan of scans) expect(scan.rowsRead, JSON.stringify(scans)).toBeLessThan(MOST_ROWS_READ);
        expect(scans.map((s) => s.index)).toContain('rookery_tasks_executor_claim');
      } finally {
        await tx.rollback();
      }
    },
  },
  mariadb: {
    title: 'the candidate read walks the executor claim index and reads no unrunnable row',
    async check(store) {
      const [row] = await store.sequelize.query<Record<string, unknown>>(
        `ANALYZE FORMAT=JSON ${dueRowsSql(mysqlDialect)}`,
        {
          replacements: { executor: 'noop', now: await store.clockNow(), limit: 20 },
          type: QueryTypes.SELECT,
        },
      );
      const analysis = String(row?.['ANALYZE']);
      const tables = mariadbTables(JSON.parse(analysis));
      expect(tables, analysis).toHaveLength(1);
      expect(tables[0]?.key, analysis).toBe('rookery_tasks_executor_claim');
      expect(tables[0]?.r_rows, analysis).toBeLessThan(MOST_ROWS_READ);
    },
  },
  sqlite: {
    title: 'the candidate read searches the executor claim index by executor, the missed-task read the deadline index',
    async check(store) {
      const rows = await store.sequelize.query<{ detail: string }>(`EXPLAIN QUERY PLAN ${dueRowsSql(sqliteDialect)}`, {
        replacements: { executor: 'noop', now: await store.clockNow(), limit: 20 },
        type: QueryTypes.SELECT,
      });
      expect(rows.map((r) => r.detail).join('\n')).toMatch(/USING INDEX rookery_tasks_executor_claim \(executor=\?/);
      // The missed-task read walks the deadline index (pending rows with a deadline only),
      // rather than every pending task of the state index, sorted.
      const late = await store.sequelize.query<{ detail: string }>(`EXPLAIN QUERY PLAN ${lateRowsSql(sqliteDialect)}`, {
        replacements: { now: await store.clockNow(), limit: 20 },
        type: QueryTypes.SELECT,
      });
      expect(late.map((r) => r.detail).join('\n')).toMatch(
        /^SEARCH rookery_tasks USING INDEX rookery_tasks_deadline \(deadline_at<\?\)$/,
      );
    },
  },
};

/**
 * The claim never visits the pending tasks of executors the node does not offer: its plan
 * walks the executor claim index (migration 8) for each offered executor and stops at its
 * limit. Checked on the plan each database chose, with actual row counts where it reports them.
 */
for (const dialect of await testDialects()) {
  describe.skipIf(!dialect.available)(`claim plan beside unrunnable tasks on ${dialect.label}`, () => {
    let db: TestDatabase | undefined;
    let store: SqlDatastore;

    beforeAll(async () => {
      db = await dialect.create();
      store = await createSqlDatastore({ url: db.url, poolMax: 1 });
      const now = await store.clockNow();
      await storeDueTasks(store, 'nobody', UNRUNNABLE, now - 3_600_000);
      await storeDueTasks(store, 'noop', RUNNABLE, now - 60_000);
      if (dialect.label === 'postgres') await store.sequelize.query('ANALYZE rookery_tasks');
      if (dialect.label === 'mariadb') await store.sequelize.query('ANALYZE TABLE rookery_tasks');
    }, 120_000);

    afterAll(async () => {
      await store?.close();
      await db?.drop();
    });

    it(PLAN_CHECKS[dialect.label].title, () => PLAN_CHECKS[dialect.label].check(store));

    it('a claim of 20 starts 20 of the runnable tasks', async () => {
      const { started } = await store.taskClaimDue({
        owner: 'o',
        nodeId: 'n',
        limit: 20,
        leaseMs: 10_000,
        executors: ['noop', 'unknown'],
      });
      expect(started).toHaveLength(20);
      expect(new Set(started.map((t) => t.executor))).toEqual(new Set(['noop']));
    });
  });
}
