import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryTypes, Sequelize } from 'sequelize';

/** The database kinds the bench runs on. */
export type BenchDialect = 'sqlite' | 'postgres' | 'mariadb';

/** A fresh database made for one run. */
export interface BenchDatabase {
  /** Its kind. */
  dialect: BenchDialect;
  /** Datastore URL of the fresh database, for the nodes. */
  url: string;
  /** Its name on the server (the file path on SQLite). */
  name: string;
  /** Drops the database (deletes the SQLite file's directory). */
  drop(): Promise<void>;
}

/** The kind of database `spec` (`sqlite`, or a server URL) names. */
export function dialectOf(spec: string): BenchDialect {
  if (spec === 'sqlite') return 'sqlite';
  const scheme = spec.slice(0, spec.indexOf(':') + 1).toLowerCase();
  if (scheme === 'postgres:' || scheme === 'postgresql:') return 'postgres';
  if (scheme === 'mysql:' || scheme === 'mariadb:') return 'mariadb';
  throw new Error(
    `--db must be 'sqlite' or a postgres://, mysql:// or mariadb:// URL of the server's admin database, got '${spec}'`,
  );
}

/** A Sequelize connection for `url` (`mariadb:` spoken as `mysql:`, the driver Rookery installs). */
export function connect(url: string): Sequelize {
  return new Sequelize(url.replace(/^mariadb:/i, 'mysql:'), { logging: false, pool: { max: 1 } });
}

/** Runs `statement` on a short-lived connection to `url`. */
async function onServer(url: string, statement: string): Promise<void> {
  const sequelize = connect(url);
  try {
    await sequelize.query(statement, { type: QueryTypes.RAW });
  } finally {
    await sequelize.close();
  }
}

/** `url` with its database (path) replaced by `database`. */
function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Creates a fresh database for one run: a SQLite file in a new temp directory for `sqlite`, or
 * `rookery_bench_<random>` on the server whose admin database `spec` names.
 */
export async function createBenchDatabase(spec: string): Promise<BenchDatabase> {
  const dialect = dialectOf(spec);
  if (dialect === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'rookery-bench-'));
    const file = join(dir, 'rookery.db');
    return { dialect, url: `sqlite:${file}`, name: file, drop: () => rm(dir, { recursive: true, force: true }) };
  }
  const name = `rookery_bench_${randomBytes(6).toString('hex')}`;
  if (dialect === 'postgres') {
    await onServer(spec, `CREATE DATABASE ${name}`);
    return {
      dialect,
      url: withDatabase(spec, name),
      name,
      drop: () => onServer(spec, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
    };
  }
  await onServer(spec, `CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  return {
    dialect,
    url: withDatabase(spec, name),
    name,
    drop: () => onServer(spec, `DROP DATABASE IF EXISTS ${name}`),
  };
}
