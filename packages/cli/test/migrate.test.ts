import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlDatastore } from '@rookery/datastore-sql';
import { testDialects, type TestDatabase } from '../../datastore-sql/test/helpers/test-databases.js';
import { cli } from './helpers.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const run = promisify(execFile);

/** Runs the built `rookery` executable and returns its exit code and output, whatever the code. */
async function rookery(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Where the database's schema stands, read without changing it. */
async function schemaOf(
  url: string,
): Promise<{ tableExists: boolean; databaseVersion: number; codeVersion: number; pending: number[] }> {
  const store = await createSqlDatastore({ url, migrate: 'manual' });
  try {
    const status = await store.migrationStatus();
    const tableExists = await store.sequelize.getQueryInterface().tableExists('rookery_migrations');
    return {
      tableExists,
      databaseVersion: status.databaseVersion,
      codeVersion: status.codeVersion,
      pending: status.pending.map((m) => m.version),
    };
  } finally {
    await store.close();
  }
}

describe('rookery migrate options', () => {
  it('--status and --dry-run on a SQLite file that does not exist show every migration pending and create no file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rookery-cli-dry-')), 'not-yet.db');
    const status = await cli(['migrate', '--db', `sqlite:${file}`, '--status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^schema at version 0 of \d+ \(sqlite:.*not-yet\.db\)\npending migrations/);
    const dryRun = await cli(['migrate', '--db', `sqlite:${file}`, '--dry-run']);
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toMatch(
      /^-- rookery migrate --dry-run: sqlite database sqlite:.*not-yet\.db, schema at version 0 of/,
    );
    expect(dryRun.stdout).toContain('-- migration 1: initial');
    expect(existsSync(file)).toBe(false);
  });

  it('--dry-run prints the SQL for the table prefix of the URL', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rookery-cli-dry-')), 'not-yet.db');
    const dryRun = await cli(['migrate', '--db', `sqlite:${file}?tablePrefix=blue_`, '--dry-run']);
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toContain('CREATE TABLE IF NOT EXISTS blue_migrations');
    expect(dryRun.stdout).toContain('CREATE TABLE IF NOT EXISTS blue_tasks');
    expect(dryRun.stdout).not.toMatch(/rookery_tasks/);
    expect(existsSync(file)).toBe(false);
  });

  it('refuses --dry-run with --status, and --json without --status, naming the option', async () => {
    for (const [args, option] of [
      [['--dry-run', '--status'], 'dry-run'],
      [['--json'], 'json'],
    ] as const) {
      const r = await cli(['migrate', '--db', 'sqlite::memory:', ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(option);
    }
  });
});

for (const dialect of await testDialects()) {
  describe.skipIf(!dialect.available)(`rookery migrate for a DBA: ${dialect.label}`, () => {
    let db: TestDatabase;
    let latest = 0;
    /** The code's migration versions (numbered in order, not necessarily without gaps). */
    let versions: number[] = [];

    beforeAll(async () => {
      db = await dialect.create();
      ({ codeVersion: latest, pending: versions } = await schemaOf(db.url));
    });

    afterAll(async () => {
      await db.drop();
    });

    it('--status and --dry-run show the pending migrations and their SQL, and write nothing, not even the migrations table', async () => {
      const status = await cli(['migrate', '--db', db.url, '--status']);
      expect(status.stderr).toBe('');
      expect(status.code).toBe(0);
      expect(status.stdout).toContain(`schema at version 0 of ${latest}`);
      expect(status.stdout).toContain(`pending migrations (${versions.length}):\n  1 initial\n`);

      const json = await cli(['migrate', '--db', db.url, '--status', '--json']);
      expect(JSON.parse(json.stdout)).toMatchObject({ databaseVersion: 0, codeVersion: latest, applied: [] });

      const dryRun = await cli(['migrate', '--db', db.url, '--dry-run']);
      expect(dryRun.stderr).toBe('');
      expect(dryRun.code).toBe(0);
      const dialectName = dialect.label === 'mariadb' ? 'mysql' : dialect.label;
      expect(dryRun.stdout).toMatch(
        new RegExp(`^-- rookery migrate --dry-run: ${dialectName} database .*, schema at version 0 of ${latest}\n`),
      );
      expect(dryRun.stdout).toMatch(/\n-- migration 1: initial\nCREATE TABLE/);
      expect(dryRun.stdout).toContain(`\n-- migration ${latest}: `);
      expect(dryRun.stdout).toMatch(
        new RegExp(
          `INSERT INTO rookery_migrations \\(version, name, applied_at\\) VALUES \\(${latest}, '[a-z-]+', .+\\);\n$`,
        ),
      );

      expect(await schemaOf(db.url)).toMatchObject({ tableExists: false, databaseVersion: 0 });
    });

    it('node --no-migrate refuses a schema that is behind (exit 1, naming the versions) and changes nothing', async () => {
      const r = await rookery(['node', '--db', db.url, '--no-migrate', '--id', 'no-migrate']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`the database schema is at migration 0 but this Rookery needs ${latest}`);
      expect(r.stderr).toContain('run rookery migrate');
      expect(await schemaOf(db.url)).toMatchObject({ tableExists: false, databaseVersion: 0 });
    }, 60_000);

    it('three processes migrating the fresh database at once all succeed and apply each migration once', async () => {
      const runs = await Promise.all([1, 2, 3].map(() => rookery(['migrate', '--db', db.url])));
      for (const r of runs) {
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(r.stdout).toContain(`schema at version ${latest} of ${latest}`);
      }
      const store = await createSqlDatastore({ url: db.url, migrate: false });
      try {
        const [rows] = await store.sequelize.query('SELECT version FROM rookery_migrations ORDER BY version');
        expect(rows.map((r) => Number((r as { version: unknown }).version))).toEqual(versions);
      } finally {
        await store.close();
      }
      const status = await cli(['migrate', '--db', db.url, '--status']);
      expect(status.stdout).toContain('up to date: no pending migrations');
      const dryRun = await cli(['migrate', '--db', db.url, '--dry-run']);
      expect(dryRun.stdout).toContain('-- nothing to run: the schema is up to date');
    }, 120_000);

    it('node --no-migrate starts on a current schema and stops on SIGTERM', async () => {
      const child = spawn(
        process.execPath,
        [BIN, 'node', '--db', db.url, '--no-migrate', '--id', 'current-schema', '--log', 'text'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const joined = new Promise<void>((resolve) => {
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          if (/ current-schema nodeJoined/.test(stdout)) resolve();
        });
      });
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      await Promise.race([joined, exited]);
      expect(stdout, stderr).toMatch(/ current-schema nodeJoined/);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }, 60_000);
  });
}
