import { ValidationError } from '../../errors/index.js';
import type { TlsMode, UrlTls } from '../tls-settings.js';

/** The SQL dialects a database URL can name. MariaDB and MySQL share `mysql`. */
export type DatabaseDialect = 'sqlite' | 'postgres' | 'mysql' | 'mssql';

/** What one dialect's URLs look like: their schemes, their query parameters, and what TLS they ask for. */
export interface UrlGrammar {
  /** The dialect these URLs name. */
  dialect: DatabaseDialect;
  /** The schemes, lower case with their colon (`postgres:`). */
  schemes: readonly string[];
  /** The query parameters the dialect accepts. */
  parameters: readonly string[];
  /** The TLS the parameters ask for, or undefined for none; throws ValidationError on `db`. */
  tls(params: Map<string, string>): UrlTls | undefined;
}

/** A `true`/`false` parameter; anything else is refused on `db`. */
export function urlFlag(dialect: DatabaseDialect, name: string, value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ValidationError('db', `the ${dialect} URL parameter ${name} must be true or false, got '${value}'`);
}

/** The TLS settings of a URL, each file given only when named. */
export function urlTls(
  mode: TlsMode,
  asked: string,
  files: { caFile?: string; certFile?: string; keyFile?: string; passphrase?: string },
): UrlTls {
  return {
    mode,
    asked,
    ...(files.caFile !== undefined ? { caFile: files.caFile } : {}),
    ...(files.certFile !== undefined ? { certFile: files.certFile } : {}),
    ...(files.keyFile !== undefined ? { keyFile: files.keyFile } : {}),
    ...(files.passphrase !== undefined ? { passphrase: files.passphrase } : {}),
  };
}
