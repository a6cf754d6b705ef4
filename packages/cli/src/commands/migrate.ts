import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { redactUrl, ValidationError } from '@rookery/core';
import { parseDatastoreUrl, type MigrationPlan, type MigrationStatus } from '@rookery/datastore-sql';
import { writeLine, type CliIo } from '../context.js';
import { addDbOption, dbUrlOf, withDatastore } from '../options/db.js';
import { writeJson } from '../output/json.js';

interface MigrateOptions {
  dryRun?: boolean;
  status?: boolean;
  json?: boolean;
}

/** The SQL script of a plan: what `rookery migrate` would run, in order, each statement ended by `;`. */
function planScript(plan: MigrationPlan, dialect: string, url: string): string[] {
  const { databaseVersion, codeVersion } = plan.status;
  const lines = [
    `-- rookery migrate --dry-run: ${dialect} database ${redactUrl(url)}, schema at version ${databaseVersion} of ${codeVersion}`,
  ];
  if (plan.migrations.length === 0) return [...lines, '-- nothing to run: the schema is up to date'];
  lines.push(
    "-- rookery migrate runs these statements under the database's migration lock; run by hand, run them in order,",
    '-- from one session, with no rookery node migrating at the same time.',
    '',
    '-- the schema (where one is set) and the migrations table, each kept if it exists',
    `${plan.setup};`,
  );
  for (const migration of plan.migrations) {
    lines.push('', `-- migration ${migration.version}: ${migration.name}`, ...migration.statements.map((s) => `${s};`));
  }
  return lines;
}

/**
 * The URL to read the schema from without writing: a SQLite file that does not exist yet is
 * read as the empty database it would be (an in-memory one, with the URL's parameters, such as
 * its table prefix), so that looking creates no file.
 */
function inspectionUrl(url: string): string {
  const parsed = parseDatastoreUrl(url);
  const missingFile =
    parsed.dialect === 'sqlite' &&
    parsed.storage !== undefined &&
    parsed.storage !== ':memory:' &&
    !existsSync(parsed.storage);
  const query = url.indexOf('?');
  return missingFile ? `sqlite::memory:${query === -1 ? '' : url.slice(query)}` : url;
}

function statusLines(status: MigrationStatus, url: string): string[] {
  const pending = status.pending.map((m) => `  ${m.version} ${m.name}`);
  return [
    `schema at version ${status.databaseVersion} of ${status.codeVersion} (${redactUrl(url)})`,
    ...(pending.length === 0
      ? ['up to date: no pending migrations']
      : [`pending migrations (${pending.length}):`, ...pending]),
  ];
}

/**
 * Registers `rookery migrate`: brings the database schema up to date (idempotent, safe from
 * several processes at once); `--status` shows where it stands and `--dry-run` prints the SQL it
 * would run, both without writing anything.
 */
export function registerMigrateCommand(program: Command, io: CliIo): void {
  addDbOption(
    program
      .command('migrate')
      .description('create or upgrade the database schema (safe to run again, and from several processes at once)')
      .option('--dry-run', "print the SQL it would run, in the database's dialect, and change nothing")
      .option('--status', 'print the schema version, the latest, and the pending migrations, and change nothing')
      .option('--json', 'with --status: print it as JSON'),
  ).action(async (opts: MigrateOptions, cmd: Command) => {
    if (opts.dryRun && opts.status) throw new ValidationError('dry-run', 'give --dry-run or --status, not both');
    if (opts.json && !opts.status) throw new ValidationError('json', '--json goes with --status');
    const url = dbUrlOf(cmd, io.env);
    if (opts.status) {
      const status = await withDatastore(inspectionUrl(url), (store) => store.migrationStatus(), { migrate: 'manual' });
      if (opts.json) writeJson(io.stdout, status);
      else for (const line of statusLines(status, url)) writeLine(io.stdout, line);
      return;
    }
    if (opts.dryRun) {
      const lines = await withDatastore(
        inspectionUrl(url),
        async (store) => planScript(await store.migrationPlan(), store.dialectName, url),
        { migrate: 'manual' },
      );
      for (const line of lines) writeLine(io.stdout, line);
      return;
    }
    const status = await withDatastore(url, (store) => store.migrate());
    writeLine(io.stdout, `schema at version ${status.databaseVersion} of ${status.codeVersion} (${redactUrl(url)})`);
  });
}
