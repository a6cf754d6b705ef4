import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ValidationError } from '@rookery/core';
import { createSqlDatastore, type SqlDatastore, type SqlDatastoreOptions } from '@rookery/datastore-sql';

/** The database used when neither `--db` nor `ROOKERY_DB` says otherwise. */
export const DEFAULT_DB_URL = 'sqlite:./rookery.db';

/** Adds the `--db URL` and `--db-file PATH` options every command takes. */
export function addDbOption(cmd: Command): Command {
  return cmd
    .option(
      '--db <url>',
      `database URL: sqlite:./file.db, postgres://…, mysql://… (default: $ROOKERY_DB, else $ROOKERY_DB_FILE, else ${DEFAULT_DB_URL})`,
    )
    .option(
      '--db-file <path>',
      'read the database URL from this file, once at start, so that it is in no environment or command line (default: $ROOKERY_DB_FILE)',
    );
}

/**
 * Reads a database URL from a file: its content, without surrounding white space.
 *
 * @param field - the option or variable named in errors (`db-file`, `ROOKERY_DB_FILE`)
 * @param path - the file
 * @throws ValidationError naming `field` when the file cannot be read or is empty
 */
export function readDbUrlFile(field: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ValidationError(
      field,
      `cannot read '${path}': ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      { cause: error },
    );
  }
  const url = text.trim();
  if (!url) throw new ValidationError(field, `'${path}' is empty: it must hold the database URL`);
  return url;
}

/**
 * The database URL in force: the `--db` option, else the file of `--db-file`, else `ROOKERY_DB`,
 * else the file of `ROOKERY_DB_FILE`, else {@link DEFAULT_DB_URL}.
 *
 * @param option - the value of `--db`, if given
 * @param env - the environment to read `ROOKERY_DB` and `ROOKERY_DB_FILE` from
 * @param fileOption - the value of `--db-file`, if given
 * @throws ValidationError naming `db-file` (both `--db` and `--db-file`, or a file that cannot
 * be read) or `ROOKERY_DB_FILE` (both variables set, or a file that cannot be read)
 */
export function resolveDbUrl(
  option: string | undefined,
  env: Record<string, string | undefined> = process.env,
  fileOption?: string,
): string {
  if (option !== undefined && fileOption !== undefined)
    throw new ValidationError('db-file', 'give --db or --db-file, not both');
  if (option !== undefined) return option;
  if (fileOption !== undefined) return readDbUrlFile('db-file', fileOption);
  if (env.ROOKERY_DB && env.ROOKERY_DB_FILE)
    throw new ValidationError('ROOKERY_DB_FILE', 'set ROOKERY_DB or ROOKERY_DB_FILE, not both');
  if (env.ROOKERY_DB) return env.ROOKERY_DB;
  if (env.ROOKERY_DB_FILE) return readDbUrlFile('ROOKERY_DB_FILE', env.ROOKERY_DB_FILE);
  return DEFAULT_DB_URL;
}

/**
 * The database URL a command runs against: its own `--db` or `--db-file`, the program's,
 * `ROOKERY_DB`, `ROOKERY_DB_FILE`, or the default (see {@link resolveDbUrl}).
 *
 * @param cmd - the command being run
 * @param env - the environment
 */
export function dbUrlOf(cmd: Command, env: Record<string, string | undefined> = process.env): string {
  const { db, dbFile } = cmd.optsWithGlobals<{ db?: unknown; dbFile?: unknown }>();
  return resolveDbUrl(typeof db === 'string' ? db : undefined, env, typeof dbFile === 'string' ? dbFile : undefined);
}

/**
 * Opens the datastore (bringing its schema up to date unless `options.migrate` says otherwise:
 * idempotent, and safe while nodes run), runs `fn`, and closes the datastore whatever happens.
 *
 * @param url - database URL
 * @param fn - the work
 * @param options - what to do with the schema on opening (see `SqlDatastoreOptions.migrate`)
 */
export async function withDatastore<T>(
  url: string,
  fn: (store: SqlDatastore) => Promise<T>,
  options: Pick<SqlDatastoreOptions, 'migrate'> = {},
): Promise<T> {
  const store = await createSqlDatastore({ url, ...options });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
