import { ValidationError } from '../errors/index.js';
import { TLS_MODES, type TlsMode, type UrlTls } from './tls-settings.js';

/** The SQL dialects a database URL can name. MariaDB and MySQL share `mysql`. */
export type DatabaseDialect = 'sqlite' | 'postgres' | 'mysql' | 'mssql';

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

const NETWORK_SCHEMES: Record<string, DatabaseDialect> = {
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'mysql:': 'mysql',
  'mariadb:': 'mysql',
  'mssql:': 'mssql',
  'sqlserver:': 'mssql',
};

/** The query parameters each dialect accepts. */
export const URL_PARAMETERS: Readonly<Record<DatabaseDialect, readonly string[]>> = {
  sqlite: ['tablePrefix'],
  postgres: ['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'sslpassword', 'application_name', 'schema', 'tablePrefix'],
  mysql: ['ssl', 'sslca', 'sslcert', 'sslkey', 'sslverify', 'tablePrefix'],
  mssql: ['encrypt', 'trustServerCertificate', 'schema', 'tablePrefix'],
};

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

function flag(dialect: DatabaseDialect, name: string, value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ValidationError('db', `the ${dialect} URL parameter ${name} must be true or false, got '${value}'`);
}

/** Reads the query parameters: each one known to the dialect, given once. */
function readParams(dialect: DatabaseDialect, search: URLSearchParams): Map<string, string> {
  const known = URL_PARAMETERS[dialect];
  const params = new Map<string, string>();
  for (const [name, value] of search) {
    if (!known.includes(name)) {
      throw new ValidationError('db', `unknown parameter '${name}' in the ${dialect} URL; it accepts ${known.join(', ')}`);
    }
    if (params.has(name)) throw new ValidationError('db', `the parameter '${name}' is given twice in the ${dialect} URL`);
    params.set(name, value);
  }
  return params;
}

function postgresTls(params: Map<string, string>): UrlTls | undefined {
  const sslmode = params.get('sslmode');
  // `sslpassword` alone is accepted (as libpq does): it only unlocks an `sslkey`.
  const files = ['sslrootcert', 'sslcert', 'sslkey'].filter((p) => params.has(p));
  if (sslmode === undefined) {
    if (files.length > 0) throw new ValidationError('db', `${files[0]} needs sslmode (require, verify-ca or verify-full) in the postgres URL`);
    return undefined;
  }
  if (!TLS_MODES.includes(sslmode as TlsMode)) {
    throw new ValidationError('db', `sslmode must be one of ${TLS_MODES.join(', ')} in the postgres URL, got '${sslmode}'`);
  }
  if (sslmode === 'disable') {
    if (files.length > 0) throw new ValidationError('db', `${files[0]} has no use with sslmode=disable`);
    return undefined;
  }
  const caFile = params.get('sslrootcert');
  // As libpq: `require` with a root certificate checks the chain (verify-ca).
  const mode: TlsMode = sslmode === 'require' && caFile !== undefined ? 'verify-ca' : (sslmode as TlsMode);
  return tlsOf(mode, `sslmode=${sslmode}`, caFile, params.get('sslcert'), params.get('sslkey'), params.get('sslpassword'));
}

function mysqlTls(params: Map<string, string>): UrlTls | undefined {
  const ssl = params.get('ssl');
  const others = ['sslca', 'sslcert', 'sslkey', 'sslverify'].filter((p) => params.has(p));
  if (ssl === undefined || !flag('mysql', 'ssl', ssl)) {
    if (others.length > 0) throw new ValidationError('db', `${others[0]} needs ssl=true in the mysql URL`);
    return undefined;
  }
  const verify = params.has('sslverify') ? flag('mysql', 'sslverify', params.get('sslverify') ?? '') : true;
  return tlsOf(verify ? 'verify-full' : 'require', verify ? 'ssl=true' : 'ssl=true&sslverify=false', params.get('sslca'), params.get('sslcert'), params.get('sslkey'), undefined);
}

function mssqlTls(params: Map<string, string>): UrlTls | undefined {
  const encrypt = params.has('encrypt') ? flag('mssql', 'encrypt', params.get('encrypt') ?? '') : undefined;
  const trust = params.has('trustServerCertificate') ? flag('mssql', 'trustServerCertificate', params.get('trustServerCertificate') ?? '') : undefined;
  if (encrypt === false) {
    if (trust !== undefined) throw new ValidationError('db', 'trustServerCertificate has no use with encrypt=false');
    return { mode: 'disable', asked: 'encrypt=false' };
  }
  // Unsaid, the connection is encrypted and verified, as the driver's own default.
  if (encrypt === undefined && trust === undefined) return { mode: 'verify-full', asked: 'encrypt=true (the default)' };
  return trust === true ? { mode: 'require', asked: 'trustServerCertificate=true' } : { mode: 'verify-full', asked: 'encrypt=true' };
}

function tlsOf(mode: TlsMode, asked: string, caFile?: string, certFile?: string, keyFile?: string, passphrase?: string): UrlTls {
  return {
    mode,
    asked,
    ...(caFile !== undefined ? { caFile } : {}),
    ...(certFile !== undefined ? { certFile } : {}),
    ...(keyFile !== undefined ? { keyFile } : {}),
    ...(passphrase !== undefined ? { passphrase } : {}),
  };
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
  if (lower.startsWith('sqlite:')) return parseSqlite(url);
  const scheme = lower.slice(0, lower.indexOf(':') + 1);
  const dialect = NETWORK_SCHEMES[scheme];
  if (!dialect) {
    throw new ValidationError('db', `unsupported datastore URL scheme '${scheme || 'none'}'; expected one of ${FORMS}`);
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
  const params = readParams(dialect, parsed.searchParams);
  const tls = dialect === 'postgres' ? postgresTls(params) : dialect === 'mysql' ? mysqlTls(params) : mssqlTls(params);
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
