import { describeDatastoreConformance } from '@rookery/core/testing';
import { afterAll, beforeAll, describe } from 'vitest';
import { createSqlDatastore } from '../src/index.js';
import { testDialects, wipe, type TestDatabase } from './helpers/test-databases.js';

// The assertions live in the shared suite (packages/core/src/testing/conformance/), run here on
// every dialect exactly as on the in-memory store.
for (const dialect of await testDialects()) {
  describe.skipIf(!dialect.available)(dialect.label, () => {
    let db: TestDatabase | undefined;

    beforeAll(async () => {
      db = await dialect.create();
      await (await createSqlDatastore({ url: db.url })).close();
    });

    afterAll(async () => {
      await db?.drop();
    });

    describeDatastoreConformance(dialect.label, async (testHooks) => {
      const store = await createSqlDatastore({ url: db?.url ?? '', migrate: false, poolMax: 8, testHooks });
      await wipe(store);
      return { store, cleanup: () => store.close() };
    });
  });
}

describe('sqlite in memory', () => {
  describeDatastoreConformance('sqlite::memory:', async (testHooks) => {
    const store = await createSqlDatastore({ url: 'sqlite::memory:', testHooks });
    return { store, cleanup: () => store.close() };
  });
});
