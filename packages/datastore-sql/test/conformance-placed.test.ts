import { describeDatastoreConformance } from '@rookery/core/testing';
import { afterAll, beforeAll, describe } from 'vitest';
import { createSqlDatastore, type SqlDatastoreOptions } from '../src/index.js';
import { ROOKERY_TABLES, testDialects, type TestDatabase } from './helpers/test-databases.js';

// The whole conformance suite again, on stores whose tables live elsewhere than the default:
// PostgreSQL in a schema and behind a prefix, MariaDB and SQLite behind a prefix. Every store
// statement passes through the one rewrite point (src/store/table-names.ts); this holds each of
// them, present and future, to it. Default tables are left in place so that a statement the
// rewrite missed would meet an empty table rather than a missing one and fail an assertion.
const PREFIX = 'placed_';

for (const dialect of await testDialects()) {
  const placement: Pick<SqlDatastoreOptions, 'schema' | 'tablePrefix'> =
    dialect.label === 'postgres' ? { schema: 'placed', tablePrefix: PREFIX } : { tablePrefix: PREFIX };
  const qualifier = dialect.label === 'postgres' ? '"placed".' : '';

  describe.skipIf(!dialect.available)(`${dialect.label}, tables ${qualifier}${PREFIX}*`, () => {
    let db: TestDatabase | undefined;

    beforeAll(async () => {
      db = await dialect.create();
      await (await createSqlDatastore({ url: db.url })).close();
      await (await createSqlDatastore({ url: db.url, ...placement })).close();
    });

    afterAll(async () => {
      await db?.drop();
    });

    describeDatastoreConformance(`${dialect.label} placed`, async (testHooks) => {
      const store = await createSqlDatastore({
        url: db?.url ?? '',
        ...placement,
        migrate: false,
        poolMax: 8,
        testHooks,
      });
      for (const table of ROOKERY_TABLES)
        await store.sequelize.query(`DELETE FROM ${qualifier}${table.replace(/^rookery_/, PREFIX)}`);
      return { store, cleanup: () => store.close() };
    });
  });
}
