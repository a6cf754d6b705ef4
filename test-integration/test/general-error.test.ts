/**
 * `generalError` for real failures, with real parts and no mocks: a user's listener hears the
 * failure and the node keeps running.
 *
 * 1. `rookery node --executors good --executors throws-on-load` (a real process on a SQLite
 *    file): the load failure is a `generalError` line naming the module and its cause, the
 *    process stays up, and it runs the good module's tasks.
 * 2. The database going away under a running in-process node: PostgreSQL backends terminated
 *    from the server side, MariaDB connections KILLed, SQLite's write lock held by another
 *    connection past the store's busy-retry window. The listener hears it, nothing escapes as
 *    an unhandled rejection or uncaught exception, and tasks complete again afterwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Sequelize } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RookeryClient, RookeryNode, type GeneralErrorContext } from '@rookery/core';
import { createSqlDatastore, type SqlDatastore } from '@rookery/datastore-sql';
import { functionExecutors, WorkerPool } from '@rookery/executor';
import { createEventBus } from '@rookery/messaging';
import {
  testDialects,
  type TestDatabase,
  type TestDialect,
} from '../../packages/datastore-sql/test/helpers/test-databases.js';
import { startNode, stopNode, waitUntil, type ClusterNode } from '../src/cluster.js';

const fixtures = resolve(fileURLToPath(new URL('.', import.meta.url)), '../fixtures');
const GOOD_MODULE = join(fixtures, 'good-functions.mjs');
const THROWING_MODULE = join(fixtures, 'throws-on-load.mjs');

const dialects = await testDialects();

// Anything that escapes the node as an unhandled rejection or an uncaught exception is a
// failure of every test in this file: vitest would report it too, these make it an assertion.
const unhandledRejections: unknown[] = [];
const uncaughtExceptions: unknown[] = [];
const onRejection = (reason: unknown): void => void unhandledRejections.push(reason);
const onException = (error: unknown): void => void uncaughtExceptions.push(error);
beforeAll(() => {
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
});
afterAll(() => {
  process.off('unhandledRejection', onRejection);
  process.off('uncaughtException', onException);
});

/** Every message in an error's `cause` chain, joined. */
function messages(error: unknown): string {
  const parts: string[] = [];
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 10; depth += 1) {
    parts.push(e instanceof Error ? e.message : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(' <- ');
}

/** Calls `fn` until it resolves (the test's own reads may meet the same outage as the node). */
async function retrying<T>(fn: () => Promise<T>, tries = 20): Promise<T> {
  for (let i = 1; ; i += 1) {
    try {
      return await fn();
    } catch (error) {
      if (i >= tries) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

describe('rookery node with an executor module that throws while loading', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('reports a generalError naming the module and its cause, keeps running, and runs the good module', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rookery-general-error-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const db = `sqlite:${join(dir, 'rookery.db')}`;
    const node: ClusterNode = startNode(
      {
        db,
        ids: [],
        executors: [GOOD_MODULE, THROWING_MODULE],
        history: join(dir, 'history.jsonl'),
        leaseMs: 3_000,
        concurrency: 4,
      },
      'ge-cli',
    );
    cleanups.push(async () => node.child.kill('SIGKILL'));
    const lines = (): Record<string, unknown>[] =>
      node.output
        .join('')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);

    await waitUntil(
      () => lines().some((l) => l.event === 'nodeJoined') || node.child.exitCode !== null,
      20_000,
      'the node to join',
    );
    const failure = lines().find((l) => l.event === 'generalError');
    expect(failure, node.output.join('')).toMatchObject({
      event: 'generalError',
      nodeId: 'ge-cli',
      source: 'executors',
    });
    expect(failure?.error).toContain(THROWING_MODULE);
    expect(failure?.error).toContain('ROOKERY_FIXTURE_SECRET is not set');

    const store = await createSqlDatastore({ url: db });
    cleanups.push(() => store.close());
    const [registered] = await store.nodeList();
    expect(registered).toMatchObject({ id: 'ge-cli', executors: ['good-echo'] }); // no --builtin: no built-in executor
    const client = new RookeryClient({ datastore: store });
    const schedule = await client.createSchedule({
      name: 'good-every-second',
      executor: 'good-echo',
      trigger: { kind: 'interval', everyMs: 1_000 },
    });
    await waitUntil(
      async () => (await store.taskList({ scheduleId: schedule.id, states: ['completed'] })).length > 0,
      15_000,
      'a task of the good module to complete',
    );
    const [done] = await store.taskList({ scheduleId: schedule.id, states: ['completed'] });
    expect(done?.result).toEqual({ nodeId: 'ge-cli', attempt: 1 });

    expect(node.child.exitCode).toBeNull();
    expect(node.child.signalCode).toBeNull();
    expect(await stopNode(node)).toBe(0);
    expect(unhandledRejections).toEqual([]);
    expect(uncaughtExceptions).toEqual([]);
  }, 40_000);
});

/** How to take a dialect's database away from a running node, for real. */
interface Outage {
  /** What the outage is, for the test name. */
  what: string;
  /** What a generalError caused by it says (somewhere in its cause chain). */
  signature: RegExp;
  /**
   * Runs the outage. `heard()` tells whether the listener has heard a matching error yet.
   * Returns how many server-side sessions it killed (or lock holds it made).
   */
  run(db: TestDatabase, heard: () => boolean): Promise<number>;
}

/**
 * Kills every session of the test database but the killer's own, every 300 ms, at least 6 times
 * and until the node has reported one (at most 80 times, 24 s): a kill only surfaces when it
 * meets a query in flight, which on a machine busy with other tests can take many rounds.
 */
async function killRepeatedly(
  url: string,
  kill: (sql: Sequelize, database: string) => Promise<number>,
  heard: () => boolean,
): Promise<number> {
  const database = new URL(url).pathname.slice(1);
  const killer = new Sequelize(url, { logging: false, pool: { max: 1 } });
  let killed = 0;
  try {
    for (let round = 1; round <= 80 && (round <= 6 || !heard()); round += 1) {
      killed += await kill(killer, database);
      await new Promise((r) => setTimeout(r, 300));
    }
  } finally {
    await killer.close();
  }
  return killed;
}

const OUTAGES: Partial<Record<TestDialect['label'], Outage>> = {
  postgres: {
    what: 'its backends are terminated from the server side, again and again',
    signature: /terminat|connection/i,
    run: (db, heard) =>
      killRepeatedly(
        db.url,
        async (sql, database) => {
          const [rows] = await sql.query(
            `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE datname = '${database}' AND pid <> pg_backend_pid()`,
          );
          return (rows as { killed: boolean }[]).filter((r) => r.killed).length;
        },
        heard,
      ),
  },
  mariadb: {
    what: 'its connections are KILLed, again and again',
    signature: /connection|killed|interrupted|closed|lost/i,
    run: (db, heard) =>
      killRepeatedly(
        db.url,
        async (sql, database) => {
          const [rows] = await sql.query(
            `SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = '${database}' AND ID <> CONNECTION_ID()`,
          );
          let killed = 0;
          for (const { id } of rows as { id: number }[]) {
            // the session may have ended by itself in between: "Unknown thread id"
            killed += await sql.query(`KILL ${Number(id)}`).then(
              () => 1,
              () => 0,
            );
          }
          return killed;
        },
        heard,
      ),
  },
  // SQLite has no server to lose, but its one write lock can be taken away for real: another
  // connection holds BEGIN EXCLUSIVE past the store's 15 s busy retry, so the node's writes
  // fail with SQLITE_BUSY ("database is locked"); then it lets go. Slow (~16 s) but honest.
  sqlite: {
    what: "another connection holds its write lock past the store's busy retry",
    signature: /SQLITE_BUSY|database is locked/i,
    async run(db) {
      const holder = new Sequelize({ dialect: 'sqlite', storage: db.url.slice('sqlite:'.length), logging: false });
      try {
        await holder.query('PRAGMA busy_timeout = 10000');
        await holder.query('BEGIN EXCLUSIVE');
        await new Promise((r) => setTimeout(r, 16_500));
        await holder.query('COMMIT');
      } finally {
        await holder.close();
      }
      return 1;
    },
  },
};

describe.each(dialects.filter((d) => OUTAGES[d.label]))(
  'the database going away under a running node on $label',
  (dialect) => {
    const outage = OUTAGES[dialect.label]!;
    const cleanups: (() => Promise<unknown>)[] = [];
    afterAll(async () => {
      for (const c of cleanups.reverse()) await c().catch(() => undefined);
    });

    it.skipIf(!dialect.available)(
      `${outage.what}: the listener hears generalError, nothing escapes, tasks complete again after`,
      async () => {
        const db = await dialect.create();
        cleanups.push(() => db.drop());
        const store: SqlDatastore = await createSqlDatastore({ url: db.url, applicationName: 'rookery-test-reader' });
        cleanups.push(() => store.close());
        const nodeStore = await createSqlDatastore({ url: db.url, applicationName: 'rookery-node-under-fault' });
        cleanups.push(() => nodeStore.close());

        const events = createEventBus();
        const heard: { error: Error; context: GeneralErrorContext }[] = [];
        events.on('generalError', (error, context) => heard.push({ error, context }));
        const node = new RookeryNode({
          datastore: nodeStore,
          events,
          executors: functionExecutors({ 'ge-echo': async (ctx) => ({ attempt: ctx.task.attempt }) }),
          pool: new WorkerPool({ concurrency: 10 }),
          id: `ge-${dialect.label}`,
          leaseMs: 3_000,
          pollWaitsMs: [100],
          heartbeatEveryMs: 1_000,
        });
        await node.start();
        cleanups.push(() => node.stop({ graceMs: 1_000 }));

        const client = new RookeryClient({ datastore: store });
        for (let i = 0; i < 5; i += 1) {
          await client.createSchedule({
            name: `every-second-${i}`,
            executor: 'ge-echo',
            trigger: { kind: 'interval', everyMs: 1_000 },
          });
        }
        const completed = async (): Promise<number> =>
          (await retrying(() => store.taskList({ states: ['completed'], limit: 100_000 }))).length;
        await waitUntil(async () => (await completed()) >= 5, 15_000, 'tasks to complete before the outage');
        const before = await completed();
        expect(heard).toEqual([]);

        const matches = (): boolean => heard.some((h) => outage.signature.test(messages(h.error)));
        const hits = await outage.run(db, matches);
        const faultEnd = await retrying(() => store.clockNow());

        expect(hits).toBeGreaterThan(0);
        expect(matches(), heard.map((h) => `[${h.context.source}] ${messages(h.error)}`).join('\n')).toBe(true);
        expect(heard.every((h) => h.context.nodeId === node.id)).toBe(true);
        expect(node.isRunning).toBe(true);

        // The database is back: the same node completes tasks again, with no restart.
        const completedAfter = async (): Promise<number> =>
          (await retrying(() => store.taskList({ states: ['completed'], limit: 100_000 }))).filter(
            (t) => (t.endedAt ?? 0) > faultEnd,
          ).length;
        await waitUntil(async () => (await completedAfter()) >= 5, 15_000, 'tasks to complete after the outage');
        expect(await completed()).toBeGreaterThan(before);
        expect(node.isRunning).toBe(true);

        expect(unhandledRejections).toEqual([]);
        expect(uncaughtExceptions).toEqual([]);
        await node.stop({ graceMs: 1_000 });
      },
      80_000,
    );
  },
);
