import type { SqlDialect } from '../dialect/dialect.js';

/**
 * One schema migration: numbered, append-only, never edited once released. Its statements
 * are written to be re-runnable (`IF NOT EXISTS`), because DDL is not transactional on
 * MariaDB/MySQL and an interrupted migration is simply run again.
 */
export interface Migration {
  /** Sequence number, from 1, without gaps. */
  readonly version: number;
  /** Short name, recorded with the version. */
  readonly name: string;
  /** The DDL statements of this migration in `dialect`, run in order. */
  statements(dialect: SqlDialect): string[];
}
