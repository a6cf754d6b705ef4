export {
  checkSqlName,
  parseDatabaseUrl,
  MAX_TABLE_PREFIX_LENGTH,
  URL_PARAMETERS,
  type DatabaseDialect,
  type DatabaseUrl,
} from './database-url.js';
export {
  resolveTls,
  tlsConnectionOptions,
  TLS_MODES,
  type Pem,
  type ResolvedTls,
  type TlsMode,
  type TlsOptions,
  type UrlTls,
} from './tls-settings.js';
export { describeTlsFailure } from './tls-failure.js';
