import { RookeryError } from './rookery-error.js';

/** The datastore failed: connection lost, statement timed out, or the schema is unusable. */
export class DatastoreError extends RookeryError {
  /**
   * @param message - what the datastore was doing
   * @param options - the driver's error as cause
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super('DATASTORE', message, options);
  }
}

/** The database holds a schema newer than this code understands: upgrade Rookery first. */
export class SchemaTooNewError extends RookeryError {
  /**
   * @param databaseVersion - the newest migration recorded in the database
   * @param codeVersion - the newest migration this code knows
   */
  constructor(
    readonly databaseVersion: number,
    readonly codeVersion: number,
  ) {
    super(
      'SCHEMA_TOO_NEW',
      `the database schema is at migration ${databaseVersion} but this Rookery knows only up to ${codeVersion}; upgrade Rookery`,
    );
  }
}

/**
 * The database's schema is older than this code and the store was told not to migrate it
 * (`createSqlDatastore({ migrate: false })`, `rookery node --no-migrate`): run the pending
 * migrations first (`rookery migrate`, after `rookery migrate --dry-run` shows their SQL).
 */
export class SchemaBehindError extends RookeryError {
  /**
   * @param databaseVersion - the newest migration recorded in the database (0 for none)
   * @param codeVersion - the newest migration this code knows
   * @param pending - the versions this code would apply, oldest first
   */
  constructor(
    readonly databaseVersion: number,
    readonly codeVersion: number,
    readonly pending: readonly number[],
  ) {
    super(
      'SCHEMA_BEHIND',
      `the database schema is at migration ${databaseVersion} but this Rookery needs ${codeVersion} (pending: ${pending.join(', ')}); run rookery migrate (rookery migrate --dry-run prints the SQL first)`,
    );
  }
}
