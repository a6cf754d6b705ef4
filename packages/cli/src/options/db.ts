import type { Command } from 'commander';
import { createSqlDatastore, type SqlDatastore } from '@rookery/datastore-sql';

/** The database used when neither `--db` nor `ROOKERY_DB` says otherwise. */
export const DEFAULT_DB_URL = 'sqlite:./rookery.db';

/** Adds the `--db URL` option every command takes. */
export function addDbOption(cmd: Command): Command {
  return cmd.option('--db <url>', `database URL: sqlite:./file.db, postgres://…, mysql://… (default: $ROOKERY_DB, else ${DEFAULT_DB_URL})`);
}

/**
 * The database URL in force: the `--db` option, else `ROOKERY_DB`, else {@link DEFAULT_DB_URL}.
 *
 * @param option - the value of `--db`, if given
 * @param env - the environment to read `ROOKERY_DB` from
 */
export function resolveDbUrl(option: string | undefined, env: Record<string, string | undefined> = process.env): string {
  return option ?? (env.ROOKERY_DB || DEFAULT_DB_URL);
}

/**
 * The database URL a command runs against: its own `--db`, the program's `--db`, `ROOKERY_DB`,
 * or the default.
 *
 * @param cmd - the command being run
 * @param env - the environment
 */
export function dbUrlOf(cmd: Command, env: Record<string, string | undefined> = process.env): string {
  const db: unknown = cmd.optsWithGlobals().db;
  return resolveDbUrl(typeof db === 'string' ? db : undefined, env);
}

/**
 * Opens the datastore (bringing its schema up to date: idempotent, and safe while nodes run),
 * runs `fn`, and closes the datastore whatever happens.
 *
 * @param url - database URL
 * @param fn - the work
 */
export async function withDatastore<T>(url: string, fn: (store: SqlDatastore) => Promise<T>): Promise<T> {
  const store = await createSqlDatastore({ url });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
