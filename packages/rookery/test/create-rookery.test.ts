import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { testDialects, type TestDatabase } from '../../datastore-sql/test/helpers/test-databases.js';
import {
  createRookery,
  createSqlDatastore,
  defineExecutor,
  ValidationError,
  waitFor,
  type Rookery,
  type SqlDatastore,
} from '../src/index.js';

const report = defineExecutor({
  name: 'send-report',
  payload: z.object({ to: z.string().email() }),
  run: async (ctx) => ({ sentTo: ctx.payload.to }),
});

/** The database sessions of the wake signals (`application_name` rookery-wake) open on this database, as `datastore` sees them. */
async function wakeSessions(datastore: SqlDatastore): Promise<number> {
  const [rows] = await datastore.sequelize.query(
    "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'rookery-wake' AND datname = current_database()",
  );
  return Number((rows as { n: string }[])[0]?.n);
}

describe('createRookery: options', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rookery-options-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a bad option with a ValidationError naming it, before opening the database', async () => {
    const db = `sqlite:${join(dir, 'never.db')}`;
    const bad: [Parameters<typeof createRookery>[0], string][] = [
      [{ db, concurrency: 0 }, 'concurrency'],
      [{ db, leaseMs: 10 }, 'leaseMs'],
      [{ db: 'ftp://example.com/db' }, 'db'],
      // @ts-expect-error -- not a mode
      [{ db, wakeSignals: 'sometimes' }, 'wakeSignals'],
      [{ db, executors: { 'bad name': () => null } }, 'executors.bad name'],
      [{ db, executors: { 'send-mail': report } }, 'executors.send-mail'],
      [{ db, executors: [report, report] }, 'executors.send-report'],
    ];
    for (const [options, field] of bad) {
      await expect(createRookery(options), field).rejects.toMatchObject({ constructor: ValidationError, field });
    }
    expect(await readdir(dir)).toEqual([]);
  });
});

for (const dialect of await testDialects()) {
  describe.skipIf(!dialect.available)(`createRookery on ${dialect.label}`, () => {
    let db: TestDatabase | undefined;
    let rookery: Rookery | undefined;

    beforeAll(async () => {
      db = await dialect.create();
    });
    afterEach(async () => {
      await rookery?.close();
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('starts a node that runs the executors, with a client, and close() ends it all', async () => {
      const records: Record<string, unknown>[] = [];
      const logger = {
        debug: () => undefined,
        info: (fields: Record<string, unknown>) => void records.push(fields),
        warn: (fields: Record<string, unknown>) => void records.push(fields),
        error: (fields: Record<string, unknown>) => void records.push(fields),
        child: () => logger,
      };
      rookery = await createRookery({ db: db?.url ?? '', executors: [report], concurrency: 2, leaseMs: 4_000, logger });
      const errors: Error[] = [];
      rookery.events.on('generalError', (error) => errors.push(error));
      const completed = waitFor(rookery.events, 'taskCompleted', undefined, 20_000);
      const { outcome, schedule } = await rookery.client.upsertSchedule({
        name: 'often',
        executor: report,
        payload: { to: 'ops@example.com' },
        trigger: { kind: 'interval', everyMs: 1_000 },
      });
      expect(outcome).toBe('created');
      const [task] = await completed;
      expect(task).toMatchObject({
        scheduleId: schedule.id,
        state: 'completed',
        result: { sentTo: 'ops@example.com' },
      });
      expect((await rookery.client.listNodes()).map((n) => n.id)).toContain(rookery.node.id);
      // The logger took the node's life and the task's events, never the payload.
      expect(records.map((r) => r.event)).toEqual(
        expect.arrayContaining(['nodeJoined', 'taskStarted', 'taskCompleted']),
      );
      expect(JSON.stringify(records)).not.toContain('ops@example.com');

      if (dialect.label === 'postgres') {
        // Wake signals are on, and the idle-in-transaction timeout is half the lease.
        const [rows] = await rookery.datastore.sequelize.query(
          "SELECT current_setting('idle_in_transaction_session_timeout') AS t",
        );
        expect(rows).toEqual([{ t: '2s' }]);
        expect(await wakeSessions(rookery.datastore)).toBeGreaterThanOrEqual(1);
      }
      if (dialect.label === 'mariadb') {
        const [rows] = await rookery.datastore.sequelize.query('SELECT @@idle_transaction_timeout AS t');
        expect(rows).toEqual([{ t: 2 }]);
      }

      const closing = rookery;
      await closing.close();
      await closing.close(); // idempotent
      await expect(closing.datastore.nodeList()).rejects.toThrow();
      expect(closing.node.isRunning).toBe(false);
      expect(errors).toEqual([]);
      if (dialect.label === 'postgres') {
        // The server ends a session a moment after its client has gone: asked until it has.
        const observer = await createSqlDatastore({ url: db?.url ?? '', migrate: false });
        try {
          let left = await wakeSessions(observer);
          for (let asked = 1; left > 0 && asked < 200; asked += 1) left = await wakeSessions(observer);
          expect(left).toBe(0);
        } finally {
          await observer.close();
        }
      }
    });

    it('closes at the end of an `await using` scope', async () => {
      let kept: Rookery | undefined;
      {
        await using scoped = await createRookery({ db: db?.url ?? '', executors: { noop: () => null } });
        kept = scoped;
        expect(kept.node.isRunning).toBe(true);
      }
      expect(kept.node.isRunning).toBe(false);
    });
  });
}
