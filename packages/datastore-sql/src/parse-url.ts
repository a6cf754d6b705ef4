import { ValidationError } from '@rookery/core';
import type { SqlDialectName } from './dialect/dialect.js';

/** What a datastore URL says. */
export interface ParsedUrl {
  /** The dialect. */
  dialect: SqlDialectName;
  /** SQLite file path or `:memory:`. */
  storage?: string;
  /** Host (network dialects). */
  host?: string;
  /** Port, when given. */
  port?: number;
  /** Database name, when given. */
  database?: string;
  /** User, when given. */
  username?: string;
  /** Password, when given. */
  password?: string;
}

const NETWORK_SCHEMES: Record<string, SqlDialectName> = {
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'mysql:': 'mysql',
  'mariadb:': 'mysql',
  'mssql:': 'mssql',
  'sqlserver:': 'mssql',
};

const FORMS = 'sqlite:./file.db, sqlite::memory:, postgres://user@host:5432/db, mysql://… or mariadb://…, mssql://…';

/**
 * Parses a datastore URL: `sqlite:./path.db`, `sqlite:/abs/path.db`, `sqlite::memory:`,
 * `postgres://user:pass@host:5432/db` (or `postgresql:`), `mysql://…` or `mariadb://…`,
 * `mssql://…` (or `sqlserver:`). Throws ValidationError on field `db`.
 */
export function parseDatastoreUrl(url: string): ParsedUrl {
  if (typeof url !== 'string' || url.trim() === '') {
    throw new ValidationError('db', `a datastore URL is required, such as ${FORMS}`);
  }
  const lower = url.toLowerCase();
  if (lower.startsWith('sqlite:')) {
    let storage = url.slice('sqlite:'.length);
    if (storage.startsWith('//')) storage = storage.slice(2);
    if (storage === '' || /[\0\n]/.test(storage)) {
      throw new ValidationError('db', `'${url}' names no SQLite file; use sqlite:./file.db or sqlite::memory:`);
    }
    return { dialect: 'sqlite', storage };
  }
  const scheme = lower.slice(0, lower.indexOf(':') + 1);
  const dialect = NETWORK_SCHEMES[scheme];
  if (!dialect) {
    throw new ValidationError('db', `unsupported datastore URL scheme '${scheme || url}'; expected one of ${FORMS}`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new ValidationError('db', `'${scheme}//…' is not a valid URL; expected ${FORMS}`, { cause });
  }
  if (!parsed.hostname) throw new ValidationError('db', `the ${dialect} URL names no host`);
  const port = parsed.port ? Number(parsed.port) : undefined;
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database && dialect !== 'postgres') {
    throw new ValidationError('db', `the ${dialect} URL names no database; add it as the path: ${scheme}//host/database`);
  }
  if (database.includes('/')) throw new ValidationError('db', `'${database}' is not a database name`);
  return {
    dialect,
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    ...(port !== undefined ? { port } : {}),
    ...(database ? { database } : {}),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
  };
}
