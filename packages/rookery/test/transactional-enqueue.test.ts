import { createConnection as createMysqlCallbackConnection } from 'mysql2';
import { createConnection as createMysqlConnection } from 'mysql2/promise';
import { trace } from '@opentelemetry/api';
import pg from 'pg';
import sqlite3 from 'sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { captureSpans, parentOf } from '../../core/test/tracing/span-capture.js';
import { testDialects, type TestDatabase } from '../../datastore-sql/test/helpers/test-databases.js';
import {
  createRookery,
  MemoryDatastore,
  RookeryClient,
  ValidationError,
  waitFor,
  type Rookery,
  type SqlTransactionHandle,
  type Task,
} from '../src/index.js';

/** A connection of the user's own, with the driver's calls to begin and end a transaction. */
interface UserConnection {
  /** What the user passes as `transaction`. */
  handle: SqlTransactionHandle;
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(): Promise<void>;
}

function sqliteRun(db: sqlite3.Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => db.exec(sql, (error) => (error ? reject(error) : resolve())));
}

/** Opens a connection as a user of the database would, with its driver's own package. */
async function userConnection(label: 'sqlite' | 'postgres' | 'mariadb', url: string): Promise<UserConnection> {
  if (label === 'postgres') {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const run = async (sql: string): Promise<void> => void (await client.query(sql));
    return {
      handle: client,
      begin: () => run('BEGIN'),
      commit: () => run('COMMIT'),
      rollback: () => run('ROLLBACK'),
      close: () => client.end(),
    };
  }
  if (label === 'mariadb') {
    const connection = await createMysqlConnection({ uri: url });
    const run = async (sql: string): Promise<void> => void (await connection.query(sql));
    return {
      handle: connection,
      begin: () => run('START TRANSACTION'),
      commit: () => run('COMMIT'),
      rollback: () => run('ROLLBACK'),
      close: () => connection.end(),
    };
  }
  const db = new sqlite3.Database(url.slice('sqlite:'.length));
  await sqliteRun(db, 'PRAGMA busy_timeout = 10000');
  return {
    handle: db,
    begin: () => sqliteRun(db, 'BEGIN IMMEDIATE'),
    commit: () => sqliteRun(db, 'COMMIT'),
    rollback: () => sqliteRun(db, 'ROLLBACK'),
    close: () => new Promise((resolve, reject) => db.close((error) => (error ? reject(error) : resolve()))),
  };
}

for (const dialect of await testDialects()) {
  describe.skipIf(!dialect.available)(`transactional enqueue on ${dialect.label}`, () => {
    let db: TestDatabase | undefined;
    let rookery: Rookery | undefined;
    let user: UserConnection | undefined;
    /** Payloads the executor ran, in order. */
    const runs: string[] = [];

    beforeAll(async () => {
      db = await dialect.create();
      rookery = await createRookery({
        db: db.url,
        executors: { 'record-order': (ctx) => void runs.push(String(ctx.payload)) },
        leaseMs: 4_000,
        node: { pollWaitsMs: [50, 100, 200] },
      });
    });
    afterEach(async () => {
      await user?.close();
      user = undefined;
    });
    afterAll(async () => {
      await rookery?.close();
      await db?.drop();
    });

    const started = (): Rookery => {
      if (!rookery) throw new Error('createRookery did not start');
      return rookery;
    };

    it('writes the job in the user transaction: invisible before commit, run exactly once after it', async () => {
      const r = started();
      user = await userConnection(dialect.label, db?.url ?? '');
      await user.begin();
      const { task, created } = await r.client.enqueue(
        { executor: 'record-order', payload: 'order-1' },
        { transaction: user.handle },
      );
      expect(created).toBe(true);
      await expect(r.client.getTask(task.id)).rejects.toThrow(/not found|no task/i);
      const completed = waitFor(r.events, 'taskCompleted', (t: Task) => t.id === task.id, 20_000);
      await user.commit();
      const [done] = await completed;
      expect(done).toMatchObject({ id: task.id, state: 'completed', attempt: 1 });
      expect(runs.filter((p) => p === 'order-1')).toEqual(['order-1']);
      expect((await r.client.taskHistory(task.id)).map((e) => e.to)).toEqual(['pending', 'running', 'completed']);
    });

    it('leaves no row when the user transaction rolls back', async () => {
      const r = started();
      user = await userConnection(dialect.label, db?.url ?? '');
      await user.begin();
      const [one, two] = await r.client.enqueueMany(
        [
          { executor: 'record-order', payload: 'rolled-back-1' },
          { executor: 'record-order', payload: 'rolled-back-2', runAt: 0 },
        ],
        { transaction: user.handle },
      );
      const schedule = await r.client.createSchedule(
        {
          name: 'in-a-rolled-back-transaction',
          executor: 'record-order',
          trigger: { kind: 'interval', everyMs: 60_000 },
        },
        { transaction: user.handle },
      );
      await user.rollback();
      for (const id of [one?.task.id, two?.task.id]) await expect(r.client.getTask(id ?? '')).rejects.toThrow();
      expect(await r.datastore.scheduleGet(schedule.id)).toBeUndefined();
      expect(runs.filter((p) => p.startsWith('rolled-back'))).toEqual([]);
    });

    it('creates a schedule in the user transaction, stored once it commits', async () => {
      const r = started();
      user = await userConnection(dialect.label, db?.url ?? '');
      await user.begin();
      const schedule = await r.client.createSchedule(
        {
          name: 'in-a-committed-transaction',
          executor: 'record-order',
          payload: 'scheduled',
          trigger: { kind: 'interval', everyMs: 3_600_000 },
        },
        { transaction: user.handle },
      );
      expect(await r.datastore.scheduleGet(schedule.id)).toBeUndefined();
      await user.commit();
      expect(await r.client.getSchedule('in-a-committed-transaction')).toMatchObject({
        id: schedule.id,
        state: 'active',
      });
    });

    it('dedupes a key within the transaction and against a live task outside it', async () => {
      const r = started();
      const held = await r.client.enqueue({
        executor: 'record-order',
        payload: 'held',
        key: 'held-outside',
        runAt: Date.now() + 3_600_000,
      });
      user = await userConnection(dialect.label, db?.url ?? '');
      await user.begin();
      const answers = await r.client.enqueueMany(
        [
          { executor: 'record-order', payload: 'keyed', key: 'inside', runAt: Date.now() + 3_600_000 },
          { executor: 'record-order', payload: 'held-again', key: 'held-outside' },
        ],
        { transaction: user.handle },
      );
      const again = await r.client.enqueue(
        { executor: 'record-order', payload: 'keyed-again', key: 'inside' },
        { transaction: user.handle },
      );
      await user.commit();
      expect(answers.map((a) => a.created)).toEqual([true, false]);
      expect(answers[1]?.task.id).toBe(held.task.id);
      expect(again).toMatchObject({ created: false, task: { id: answers[0]?.task.id, payload: 'keyed' } });
      const keyed = (await r.client.listTasks({ states: ['pending'], limit: 1000 })).filter((t) => t.key === 'inside');
      expect(keyed.map((t) => t.id)).toEqual([answers[0]?.task.id]);
      await r.client.cancelTask(held.task.id);
      await r.client.cancelTask(answers[0]?.task.id ?? '');
    });

    it('traces an enqueue in the user transaction: each job stores the enqueue span, a child of the caller’s span', async () => {
      const r = started();
      const capture = captureSpans();
      try {
        user = await userConnection(dialect.label, db?.url ?? '');
        const connection = user;
        const later = Date.now() + 3_600_000;
        const answers = await trace.getTracer('app').startActiveSpan('request', async (span) => {
          try {
            await connection.begin();
            const enqueued = await r.client.enqueueMany(
              [
                { executor: 'record-order', payload: 'traced-1', runAt: later },
                { executor: 'record-order', payload: 'traced-2', runAt: later },
              ],
              { transaction: connection.handle },
            );
            await connection.commit();
            return enqueued;
          } finally {
            span.end();
          }
        });
        const request = capture.spans().find((s) => s.name === 'request');
        const enqueue = capture
          .spans()
          .find((s) => s.name === 'rookery.enqueue' && s.attributes['rookery.task.count'] === 2);
        if (!request || !enqueue)
          throw new Error(
            `spans: ${capture
              .spans()
              .map((s) => s.name)
              .join(', ')}`,
          );
        expect(parentOf(enqueue)).toBe(request.spanContext().spanId);
        const traceparent = `00-${enqueue.spanContext().traceId}-${enqueue.spanContext().spanId}-01`;
        for (const answer of answers) {
          const stored = await r.client.getTask(answer.task.id);
          expect(JSON.parse(stored.traceContext ?? 'null')).toEqual({ traceparent });
          await r.client.cancelTask(answer.task.id);
        }
      } finally {
        await capture.close();
      }
    });

    it('refuses a bad handle with a ValidationError on `transaction`, writing nothing', async () => {
      const r = started();
      user = await userConnection(dialect.label, db?.url ?? '');
      const before = (await r.client.listTasks({ limit: 1000 })).length;
      const job = { executor: 'record-order', payload: 'never' };
      // A connection with no transaction open.
      await expect(r.client.enqueue(job, { transaction: user.handle })).rejects.toMatchObject({
        constructor: ValidationError,
        field: 'transaction',
      });
      // Another driver's connection, or something else entirely.
      const others: unknown[] = [{}, 'BEGIN', { query: () => Promise.resolve({ rows: [] }) }];
      if (dialect.label !== 'sqlite') others.push(new sqlite3.Database(':memory:'));
      for (const other of others) {
        await expect(r.client.enqueue(job, { transaction: other as SqlTransactionHandle })).rejects.toMatchObject({
          constructor: ValidationError,
          field: 'transaction',
        });
      }
      expect((await r.client.listTasks({ limit: 1000 })).length).toBe(before);
    });

    if (dialect.label === 'postgres') {
      it('sends the wake signal inside the user transaction: delivered on commit, never before', async () => {
        const r = started();
        const listener = new pg.Client({ connectionString: db?.url ?? '' });
        await listener.connect();
        const heard: string[] = [];
        listener.on('notification', (n) => heard.push(n.payload ?? ''));
        await listener.query('LISTEN rookery_wake');
        user = await userConnection(dialect.label, db?.url ?? '');
        try {
          await user.begin();
          await r.client.enqueue({ executor: 'record-order', payload: 'woken' }, { transaction: user.handle });
          // A notification of the enqueue would have arrived by the time this round trip returns.
          await listener.query('SELECT 1');
          expect(heard).toEqual([]);
          await user.commit();
          for (let asked = 0; heard.length === 0 && asked < 200; asked += 1) await listener.query('SELECT 1');
          expect(heard).toHaveLength(1);
          // Announced as a task's due time: no node peels for it.
          expect(heard[0]).toMatch(/^[^:]+:\d+:tasks$/);
        } finally {
          await listener.end();
        }
      });
    }

    if (dialect.label === 'mariadb')
      it('takes a mysql2 connection of the callback API too', async () => {
        const r = started();
        const connection = createMysqlCallbackConnection({ uri: db?.url ?? '' });
        const run = (sql: string): Promise<void> =>
          new Promise((resolve, reject) => connection.query(sql, (error) => (error ? reject(error) : resolve())));
        try {
          await run('START TRANSACTION');
          const { task } = await r.client.enqueue(
            { executor: 'record-order', payload: 'callback-api' },
            { transaction: connection },
          );
          const completed = waitFor(r.events, 'taskCompleted', (t: Task) => t.id === task.id, 20_000);
          await run('COMMIT');
          await completed;
          expect(runs.filter((p) => p === 'callback-api')).toHaveLength(1);
        } finally {
          await new Promise<void>((resolve) => connection.end(() => resolve()));
        }
      });
  });
}

describe('transactional enqueue: types and stores without transactions', () => {
  it('types the handle by the database URL, and the in-memory store takes none', async () => {
    const memory = new RookeryClient({ datastore: new MemoryDatastore(), builtInExecutors: ['noop'] });
    // @ts-expect-error -- the in-memory store joins no transaction: its option has type never
    await expect(memory.enqueue({ executor: 'noop' }, { transaction: {} })).rejects.toMatchObject({
      constructor: ValidationError,
      field: 'transaction',
    });
    const typed = async (): Promise<void> => {
      const pgOnly = await createRookery({ db: 'postgres://localhost/never-opened' });
      // @ts-expect-error -- a sqlite3 Database is not a pg client
      await pgOnly.client.enqueue({ executor: 'noop' }, { transaction: new sqlite3.Database(':memory:') });
      const sqliteOnly = await createRookery({ db: 'sqlite:./never-opened.db' });
      // @ts-expect-error -- a pg client is not a sqlite3 Database
      await sqliteOnly.client.enqueue({ executor: 'noop' }, { transaction: new pg.Client() });
    };
    expect(typeof typed).toBe('function');
  });
});
