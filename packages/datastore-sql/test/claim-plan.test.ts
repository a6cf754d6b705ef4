import { makeNewTask, makeSchedule, schedulePeelOne } from '@rookery/core/testing';
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresDialect as postgresSql } from '../src/dialect/postgres/postgres-dialect.js';
import { mysqlDialect } from '../src/dialect/mysql.js';
import { sqliteDialect } from '../src/dialect/sqlite.js';
import { createSqlDatastore, type SqlDatastore } from '../src/index.js';
import { dueRowsSql, lateRowsSql, levelsSql } from '../src/store/claim-candidates.js';
import { claimSql } from '../src/dialect/postgres/tasks-claim-statement.js';
import { scansOf, type PlanNode } from './helpers/postgres-plans.js';
import { testDialects, type TestDatabase, type TestDialect } from './helpers/test-databases.js';

/** Pending tasks of an executor no node offers, all due before the runnable ones. */
const UNRUNNABLE = 3_000;
/** Pending tasks of the executor the claim asks for, due a day later. */
const LATER = 3_000;
/** Due tasks of the executor the claim asks for: fewer than a claim's limit, so it looks for more. */
const RUNNABLE = 12;
/** Most task rows a claim of 20 may read, whatever the number of unrunnable rows and rows due later. */
const MOST_ROWS_READ = 100;
/**
 * Most pages of the executor claim index one of the claim's walks may touch on PostgreSQL,
 * which steps over index entries without reading their rows (a walk that stepped over the
 * entries due later touched 19).
 */
const MOST_INDEX_PAGES = 10;

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
    title: 'the one-statement claim (generic plan) reads no unrunnable row and no row due later',
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
        for (const scan of scans.filter((s) => s.index === 'rookery_tasks_executor_claim'))
          expect(scan.pages, JSON.stringify(scans)).toBeLessThan(MOST_INDEX_PAGES);
        expect(scans.map((s) => s.index)).toContain('rookery_tasks_executor_claim');
      } finally {
        await tx.rollback();
      }
    },
  },
  mariadb: {
    title:
      'the level and candidate reads walk the executor claim index and read no unrunnable row and no row due later',
    async check(store) {
      const reads: [string, number, number][] = [
        [levelsSql(mysqlDialect, false), 1, 2],
        [levelsSql(mysqlDialect, true), 1, 2],
        [dueRowsSql(mysqlDialect), 20, 1],
      ];
      for (const [sql, limit, accesses] of reads) {
        const [row] = await store.sequelize.query<Record<string, unknown>>(`ANALYZE FORMAT=JSON ${sql}`, {
          replacements: { executor: 'noop', now: await store.clockNow(), limit, priority: 0, below: 1 },
          type: QueryTypes.SELECT,
        });
        const analysis = String(row?.['ANALYZE']);
        const tables = mariadbTables(JSON.parse(analysis));
        expect(tables, analysis).toHaveLength(accesses);
        for (const table of tables) {
          expect(table.key, analysis).toBe('rookery_tasks_executor_claim');
          expect(table.r_rows, analysis).toBeLessThan(MOST_ROWS_READ);
        }
      }
    },
  },
  sqlite: {
    title:
      'the level and candidate reads search the executor claim index by executor and level, the missed-task read the deadline index',
    async check(store) {
      const plan = async (sql: string, limit: number): Promise<string> =>
        (
          await store.sequelize.query<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, {
            replacements: { executor: 'noop', now: await store.clockNow(), limit, priority: 0, below: 1 },
            type: QueryTypes.SELECT,
          })
        )
          .map((r) => r.detail)
          .join('\n');
      expect(await plan(dueRowsSql(sqliteDialect), 20)).toMatch(
        /USING INDEX rookery_tasks_executor_claim \(executor=\? AND priority=\? AND due_at<\?\)/,
      );
      for (const below of [false, true]) {
        const levels = await plan(levelsSql(sqliteDialect, below), 1);
        expect(levels).not.toMatch(/TEMP B-TREE|SCAN rookery_tasks/);
        expect(levels.match(/USING COVERING INDEX rookery_tasks_executor_claim \(executor=\?/g), levels).toHaveLength(
          2,
        );
      }
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
 * The claim never visits the pending tasks of executors the node does not offer, nor the
 * pending tasks of its own executors due later: its plan walks the executor claim index
 * (migration 8) for each offered executor, one priority level at a time, and each walk ends at
 * the first row not yet due. Checked on the plan each database chose, with actual row counts
 * where it reports them, for a claim that finds fewer due tasks than its limit.
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
      await storeDueTasks(store, 'noop', LATER, now + 86_400_000);
      if (dialect.label === 'postgres') await store.sequelize.query('ANALYZE rookery_tasks');
      if (dialect.label === 'mariadb') await store.sequelize.query('ANALYZE TABLE rookery_tasks');
    }, 120_000);

    afterAll(async () => {
      await store?.close();
      await db?.drop();
    });

    it(PLAN_CHECKS[dialect.label].title, () => PLAN_CHECKS[dialect.label].check(store));

    it('a claim of 20 starts the runnable tasks due', async () => {
      const { started } = await store.taskClaimDue({
        owner: 'o',
        nodeId: 'n',
        limit: 20,
        leaseMs: 10_000,
        executors: ['noop', 'unknown'],
      });
      expect(started).toHaveLength(RUNNABLE);
      expect(new Set(started.map((t) => t.executor))).toEqual(new Set(['noop']));
    });
  });
}
