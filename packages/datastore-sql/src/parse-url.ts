import { parseDatabaseUrl, type DatabaseUrl } from '@rookery/core';

/** What a datastore URL says (see `parseDatabaseUrl` of `@rookery/core`). */
export type ParsedUrl = DatabaseUrl;

/**
 * Parses a datastore URL: `sqlite:./path.db`, `sqlite:/abs/path.db`, `sqlite::memory:`,
 * `postgres://user:pass@host:5432/db` (or `postgresql:`), `mysql://…` or `mariadb://…`,
 * `mssql://…` (or `sqlserver:`), and each dialect's query parameters (TLS, `schema`,
 * `tablePrefix`). The same grammar serves every connection a node opens (the datastore's
 * pool and the PostgreSQL wake signals). Throws ValidationError on field `db`, naming an
 * unknown parameter.
 */
export function parseDatastoreUrl(url: string): ParsedUrl {
  return parseDatabaseUrl(url);
}
