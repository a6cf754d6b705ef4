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
