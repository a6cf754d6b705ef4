import { makeSchedule } from '@rookery/core/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dialectFor } from '../src/dialect/index.js';
import { createSqlDatastore, type SqlDatastore } from '../src/index.js';
import { SqlContext } from '../src/store/sql-context.js';
import { testDialects, wipe, type TestDatabase } from './helpers/test-databases.js';

/** Counts the calls made on a driver connection's `query` while `fn` runs. */
async function countQueries<T>(connection: unknown, fn: () => Promise<T>): Promise<{ result: T; calls: number }> {
  const target = connection as { query: (...args: unknown[]) => unknown };
  const query = target.query;
  let calls = 0;
  target.query = (...args: unknown[]) => {
    calls += 1;
    return query.apply(target, args);
  };
  try {
    return { result: await fn(), calls };
  } finally {
    target.query = query;
  }
}

/**
 * `SqlContext.selectEach` answers the rows of each read, in order, after the writes waiting in
 * the transaction; where the dialect joins statements (MariaDB/MySQL) they all travel in one
 * round trip, which a claim uses to read its missed tasks, rate limits and priority levels at once.
 */
for (const dialect of await testDialects()) {
  describe.skipIf(!dialect.available)(`selectEach on ${dialect.label}`, () => {
    let db: TestDatabase | undefined;
    let store: SqlDatastore;
    let ctx: SqlContext;

    beforeAll(async () => {
      db = await dialect.create();
      store = await createSqlDatastore({ url: db.url });
      ctx = new SqlContext(store.sequelize, dialectFor(store.dialectName));
    });

    afterAll(async () => {
      await store?.close();
      await db?.drop();
    });

    beforeEach(async () => {
      await wipe(store);
    });

    it('answers each read in order, seeing the writes that waited for it', async () => {
      const s = await store.scheduleCreate(makeSchedule());
      const versionOf = 'SELECT version FROM rookery_schedules WHERE id = :id';
      const [stored] = await ctx.select(versionOf, { id: s.id });
      const { rows, calls } = await ctx.transaction('read together', async (tx) => {
        await ctx.writeLater('UPDATE rookery_schedules SET version = version + 1 WHERE id = :id', { id: s.id }, tx);
        const read = () =>
          ctx.selectEach(
            [
              { sql: versionOf, replacements: { id: s.id } },
              {
                sql: 'SELECT COUNT(*) AS n FROM rookery_schedules WHERE id = :missing',
                replacements: { missing: 'x' },
              },
              { sql: 'SELECT name FROM rookery_schedules WHERE id = :id', replacements: { id: s.id } },
            ],
            tx,
          );
        // The transaction holds a driver connection of its own where the dialect joins statements.
        if (dialect.label !== 'mariadb') return { rows: await read(), calls: undefined };
        const counted = await countQueries((tx as { connection: unknown }).connection, read);
        return { rows: counted.result, calls: counted.calls };
      });
      expect(rows.map((r) => r.map((row) => Object.values(row).map(String)))).toEqual([
        [[String(Number(stored?.['version']) + 1)]],
        [['0']],
        [[s.name]],
      ]);
      if (dialect.label === 'mariadb') expect(calls).toBe(1);
      else expect(calls).toBeUndefined();
    });
  });
}
