/**
 * The databases the tests of this package run on, one fresh database per test file:
 * - `sqlite`: always, a WAL file in a temp directory;
 * - `postgres`: at ROOKERY_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres);
 * - `mariadb`: at ROOKERY_TEST_MARIADB_URL (default mysql://root@127.0.0.1:3306/mysql).
 * Each server URL names an admin database used to create and drop `rookery_t_<random>`.
 * ROOKERY_TEST_DIALECTS=sqlite,postgres limits the set. An unreachable server fails loudly
 * under CI=true and is skipped with a loud warning otherwise.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sequelize } from 'sequelize';
import type { SqlDatastore } from '../../src/index.js';

/** A fresh database for one test file. */
export interface TestDatabase {
  /** Datastore URL of the database. */
  url: string;
  /** Drops the database (or deletes the file). */
  drop(): Promise<void>;
}

/** One dialect to test on. */
export interface TestDialect {
  /** Label for test names: `sqlite`, `postgres`, `mariadb`. */
  label: 'sqlite' | 'postgres' | 'mariadb';
  /** False when the server is not reachable (tests skip, with a warning). */
  available: boolean;
  /** Creates a fresh, empty database. */
  create(): Promise<TestDatabase>;
}

const POSTGRES_URL = process.env['ROOKERY_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const MARIADB_URL = process.env['ROOKERY_TEST_MARIADB_URL'] ?? 'mysql://root@127.0.0.1:3306/mysql';
const WANTED = (process.env['ROOKERY_TEST_DIALECTS'] ?? 'sqlite,postgres,mariadb').split(',').map((s) => s.trim());

function freshName(): string {
  return `rookery_t_${randomBytes(6).toString('hex')}`;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Runs `fn` on a short-lived admin connection to the server's admin database. */
async function admin<T>(url: string, fn: (sql: (statement: string) => Promise<unknown>) => Promise<T>): Promise<T> {
  const timeout = url.startsWith('postgres') ? { connectionTimeoutMillis: 3000 } : { connectTimeout: 3000 };
  const sequelize = new Sequelize(url, { logging: false, dialectOptions: timeout, pool: { max: 1 } });
  try {
    return await fn((statement) => sequelize.query(statement));
  } finally {
    await sequelize.close();
  }
}

async function reachable(label: string, url: string, probe: () => Promise<unknown>): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch (error) {
    const message = `${label} not reachable at ${url}: ${error instanceof Error ? error.message : String(error)}`;
    if (process.env['CI'] === 'true')
      throw new Error(`${message} (CI=true: every dialect must be tested)`, { cause: error });
    console.warn(`\n*** SKIPPED: ${message}. Its tests are skipped; CI=true makes this a failure. ***\n`);
    return false;
  }
}

const sqlite: TestDialect = {
  label: 'sqlite',
  available: true,
  async create() {
    const dir = await mkdtemp(join(tmpdir(), 'rookery-sqlite-'));
    return { url: `sqlite:${join(dir, 'rookery.db')}`, drop: () => rm(dir, { recursive: true, force: true }) };
  },
};

/**
 * PostgreSQL alone, with availability probed (whatever ROOKERY_TEST_DIALECTS says), for tests
 * of PostgreSQL-only features such as LISTEN/NOTIFY. Call once per test file, at top level.
 */
export async function postgresDialect(): Promise<TestDialect> {
  return {
    label: 'postgres',
    available: await reachable('postgres', POSTGRES_URL, () => admin(POSTGRES_URL, (sql) => sql('SELECT 1'))),
    async create() {
      const name = freshName();
      await admin(POSTGRES_URL, (sql) => sql(`CREATE DATABASE ${name}`));
      return {
        url: withDatabase(POSTGRES_URL, name),
        drop: () =>
          admin(POSTGRES_URL, (sql) => sql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
      };
    },
  };
}

/** MariaDB alone, with availability probed (whatever ROOKERY_TEST_DIALECTS says). Call once per test file, at top level. */
export async function mariadbDialect(): Promise<TestDialect> {
  return {
    label: 'mariadb',
    available: await reachable('mariadb', MARIADB_URL, () => admin(MARIADB_URL, (sql) => sql('SELECT 1'))),
    async create() {
      const name = freshName();
      await admin(MARIADB_URL, (sql) => sql(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`));
      return {
        url: withDatabase(MARIADB_URL, name),
        drop: () => admin(MARIADB_URL, (sql) => sql(`DROP DATABASE IF EXISTS ${name}`)).then(() => undefined),
      };
    },
  };
}

/** The dialects to test, with availability probed (call once per test file, at top level). */
export async function testDialects(): Promise<TestDialect[]> {
  const all: TestDialect[] = [];
  if (WANTED.includes('sqlite')) all.push(sqlite);
  if (WANTED.includes('postgres')) all.push(await postgresDialect());
  if (WANTED.includes('mariadb')) all.push(await mariadbDialect());
  return all;
}

/** Every Rookery table, children first. */
export const ROOKERY_TABLES = [
  'rookery_execution_reports',
  'rookery_task_events',
  'rookery_task_logs',
  'rookery_tasks',
  'rookery_schedules',
  'rookery_nodes',
  'rookery_rate_limits',
] as const;

/** Deletes every row of Rookery's tables (the schema stays), so the next test starts empty. */
export async function wipe(store: SqlDatastore): Promise<void> {
  for (const table of ROOKERY_TABLES) await store.sequelize.query(`DELETE FROM ${table}`);
}
