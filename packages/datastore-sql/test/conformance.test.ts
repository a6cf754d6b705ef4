import { describeDatastoreConformance } from '@rookery/core/testing';
import { afterAll, beforeAll, describe } from 'vitest';
import { createSqlDatastore } from '../src/index.js';
import { testDialects, wipe, type TestDatabase } from './helpers/test-databases.js';

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

    describeDatastoreConformance(dialect.label, async () => {
      const store = await createSqlDatastore({ url: db?.url ?? '', migrate: false, poolMax: 8 });
      await wipe(store);
      return { store, cleanup: () => store.close() };
    });
  });
}

describe('sqlite in memory', () => {
  describeDatastoreConformance('sqlite::memory:', async () => {
    const store = await createSqlDatastore({ url: 'sqlite::memory:' });
    return { store, cleanup: () => store.close() };
  });
});
