import { makeSchedule } from '@rookery/core/testing';
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlDatastore, type SqlDatastore } from '../src/index.js';
import { testDialects, type TestDatabase } from './helpers/test-databases.js';

/**
 * A node frozen inside a transaction (SIGSTOP, a stopped VM) keeps the row locks it took. The
 * server must end its session after `idleTransactionTimeoutMs`, so that the other nodes can
 * write those rows (take its tasks over) long before their own lock waits give up. SQLite has
 * one write lock per file and no such timeout; MySQL has none either (documented).
 */
describe('idleTransactionTimeoutMs', () => {
  it('must be a positive whole number of ms: a ValidationError names the option', async () => {
    for (const bad of [0, -1, 1.5]) {
      await expect(createSqlDatastore({ url: 'sqlite::memory:', idleTransactionTimeoutMs: bad })).rejects.toMatchObject(
        { field: 'idleTransactionTimeoutMs' },
      );
    }
  });
});

for (const dialect of (await testDialects()).filter((d) => d.label !== 'sqlite')) {
  describe.skipIf(!dialect.available)(`a session frozen inside a transaction on ${dialect.label}`, () => {
    let db: TestDatabase | undefined;
    let frozen: SqlDatastore;
    let other: SqlDatastore;

    beforeAll(async () => {
      db = await dialect.create();
      frozen = await createSqlDatastore({ url: db.url, idleTransactionTimeoutMs: 1_000 });
      // The other node would wait up to 10 s for a lock, then fail: far longer than 1 s.
      other = await createSqlDatastore({ url: db.url, statementTimeoutMs: 10_000 });
    });

    afterAll(async () => {
      await frozen?.close();
      await other?.close();
      await db?.drop();
    });

    it('is ended by the server, releasing its row locks to the other sessions', async () => {
      const s = makeSchedule();
      await other.scheduleCreate(s);
      const version = async (): Promise<number[]> =>
        (
          await other.sequelize.query<{ version: number | string }>(
            'SELECT version FROM rookery_schedules WHERE id = :id',
            {
              replacements: { id: s.id },
              type: QueryTypes.SELECT,
            },
          )
        ).map((r) => Number(r.version));
      const [before = -1] = await version();
      const tx = await frozen.sequelize.transaction();
      await frozen.sequelize.query('SELECT id FROM rookery_schedules WHERE id = :id FOR UPDATE', {
        replacements: { id: s.id },
        transaction: tx,
        type: QueryTypes.SELECT,
      });
      // The holder now sits idle in its transaction, as a frozen process would. The other
      // session's write waits for the lock, and gets it once the server ends the idle session.
      const changed = await other.sequelize.query('UPDATE rookery_schedules SET version = version + 1 WHERE id = :id', {
        replacements: { id: s.id },
        type: QueryTypes.BULKUPDATE,
      });
      expect(changed).toBe(1);
      // The frozen transaction is gone: its commit fails rather than applying anything late.
      await expect(tx.commit()).rejects.toThrow();
      expect(await version()).toEqual([before + 1]);
    });
  });
}
