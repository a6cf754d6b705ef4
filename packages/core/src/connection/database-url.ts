import { ValidationError } from '../errors/index.js';
import type { UrlTls } from './tls-settings.js';
import { mssqlUrl } from './urls/mssql-url.js';
import { mysqlUrl } from './urls/mysql-url.js';
import { postgresUrl } from './urls/postgres-url.js';
import { sqliteUrl } from './urls/sqlite-url.js';
import type { DatabaseDialect, UrlGrammar } from './urls/url-grammar.js';

export type { DatabaseDialect } from './urls/url-grammar.js';

/** What a database URL says. */
export interface DatabaseUrl {
  /** The dialect. */
  dialect: DatabaseDialect;
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
  /** TLS asked for by the URL's parameters (`sslmode`, `ssl`, `encrypt`...), when any. */
  tls?: UrlTls;
  /** `schema`: the schema holding the tables (PostgreSQL, MSSQL). */
  schema?: string;
  /** `tablePrefix`: what the table names start with instead of `rookery_`. */
  tablePrefix?: string;
  /** `application_name` (PostgreSQL): the session name. */
  applicationName?: string;
}

/** Each dialect's URL grammar: its schemes, query parameters and TLS, in a file of its own. */
const GRAMMARS: readonly UrlGrammar[] = [sqliteUrl, postgresUrl, mysqlUrl, mssqlUrl];

/** The dialect of each scheme (`postgres:` → postgres). */
const DIALECT_OF_SCHEME: ReadonlyMap<string, UrlGrammar> = new Map(
  GRAMMARS.flatMap((g) => g.schemes.map((scheme) => [scheme, g] as const)),
);

/** The query parameters each dialect accepts. */
export const URL_PARAMETERS: Readonly<Record<DatabaseDialect, readonly string[]>> = Object.fromEntries(
  GRAMMARS.map((g) => [g.dialect, g.parameters]),
) as Record<DatabaseDialect, readonly string[]>;

const FORMS = 'sqlite:./file.db, sqlite::memory:, postgres://user@host:5432/db, mysql://… or mariadb://…, mssql://…';

/** Longest `tablePrefix`: the longest Rookery identifier must stay within PostgreSQL's 63 bytes. */
export const MAX_TABLE_PREFIX_LENGTH = 30;

/**
 * Checks a schema name or table prefix: lower-case letters, digits and `_`, not starting with
 * a digit (so it means the same quoted or not, on every database), at most `max` characters.
 * Throws ValidationError on `field`.
 */
export function checkSqlName(field: string, value: string, max: number): string {
  if (typeof value !== 'string' || !/^[a-z_][a-z0-9_]*$/.test(value) || value.length > max) {
    throw new ValidationError(
      field,
      `must be 1 to ${max} lower-case letters, digits or '_', not starting with a digit, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** Reads the query parameters: each one known to the dialect, given once. */
function readParams(dialect: DatabaseDialect, search: URLSearchParams): Map<string, string> {
  const known = URL_PARAMETERS[dialect];
  const params = new Map<string, string>();
  for (const [name, value] of search) {
    if (!known.includes(name)) {
      throw new ValidationError(
        'db',
        `unknown parameter '${name}' in the ${dialect} URL; it accepts ${known.join(', ')}`,
      );
    }
    if (params.has(name))
      throw new ValidationError('db', `the parameter '${name}' is given twice in the ${dialect} URL`);
    params.set(name, value);
  }
  return params;
}

/** The schema, prefix and session name parameters shared by the dialects. */
function placement(params: Map<string, string>): Pick<DatabaseUrl, 'schema' | 'tablePrefix' | 'applicationName'> {
  const schema = params.get('schema');
  const tablePrefix = params.get('tablePrefix');
  const applicationName = params.get('application_name');
  return {
    ...(schema !== undefined ? { schema: checkSqlName('db', schema, 63) } : {}),
    ...(tablePrefix !== undefined ? { tablePrefix: checkSqlName('db', tablePrefix, MAX_TABLE_PREFIX_LENGTH) } : {}),
    ...(applicationName !== undefined ? { applicationName } : {}),
  };
}

function parseSqlite(url: string): DatabaseUrl {
  const rest = url.slice('sqlite:'.length);
  const query = rest.indexOf('?');
  let storage = query === -1 ? rest : rest.slice(0, query);
  if (storage.startsWith('//')) storage = storage.slice(2);
  if (storage === '' || /[\0\n]/.test(storage)) {
    throw new ValidationError('db', `'${url}' names no SQLite file; use sqlite:./file.db or sqlite::memory:`);
  }
  const params = readParams('sqlite', new URLSearchParams(query === -1 ? '' : rest.slice(query + 1)));
  return { dialect: 'sqlite', storage, ...placement(params) };
}

/**
 * Parses a database URL: `sqlite:./path.db`, `sqlite:/abs/path.db`, `sqlite::memory:`,
 * `postgres://user:pass@host:5432/db` (or `postgresql:`), `mysql://…` or `mariadb://…`,
 * `mssql://…` (or `sqlserver:`), with the query parameters of {@link URL_PARAMETERS}:
 * - PostgreSQL: `sslmode` (disable, require, verify-ca, verify-full), `sslrootcert`,
 *   `sslcert`, `sslkey` (file paths), `sslpassword`, `application_name`, `schema`, `tablePrefix`;
 * - MySQL/MariaDB: `ssl=true`, `sslca`, `sslcert`, `sslkey` (file paths), `sslverify=false`
 *   (encrypt without checking the certificate), `tablePrefix`;
 * - MSSQL: `encrypt`, `trustServerCertificate`, `schema`, `tablePrefix`;
 * - SQLite: `tablePrefix`.
 * An unknown parameter, or one given twice, is refused. Every error is a ValidationError on
 * field `db` and never holds the password.
 */
export function parseDatabaseUrl(url: string): DatabaseUrl {
  if (typeof url !== 'string' || url.trim() === '') {
    throw new ValidationError('db', `a datastore URL is required, such as ${FORMS}`);
  }
  const lower = url.toLowerCase();
  const scheme = lower.slice(0, lower.indexOf(':') + 1);
  const grammar = DIALECT_OF_SCHEME.get(scheme);
  if (grammar === sqliteUrl) return parseSqlite(url);
  if (!grammar) {
    throw new ValidationError('db', `unsupported datastore URL scheme '${scheme || 'none'}'; expected one of ${FORMS}`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new ValidationError('db', `'${scheme}//…' is not a valid URL; expected ${FORMS}`, { cause });
  }
  const { dialect } = grammar;
  if (!parsed.hostname) throw new ValidationError('db', `the ${dialect} URL names no host`);
  const port = parsed.port ? Number(parsed.port) : undefined;
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database && dialect !== 'postgres') {
    throw new ValidationError(
      'db',
      `the ${dialect} URL names no database; add it as the path: ${scheme}//host/database`,
    );
  }
  if (database.includes('/')) throw new ValidationError('db', `'${database}' is not a database name`);
  const params = readParams(dialect, parsed.searchParams);
  const tls = grammar.tls(params);
  return {
    dialect,
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    ...(port !== undefined ? { port } : {}),
    ...(database ? { database } : {}),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(tls !== undefined ? { tls } : {}),
    ...placement(params),
  };
}
