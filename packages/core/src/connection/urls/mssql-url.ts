import { ValidationError } from '../../errors/index.js';
import { urlFlag, type UrlGrammar } from './url-grammar.js';

/**
 * SQL Server URLs: `mssql://` or `sqlserver://`, with `encrypt`, `trustServerCertificate`,
 * `schema` and `tablePrefix`. Unsaid, the connection is encrypted and verified, as the
 * driver's own default.
 */
export const mssqlUrl: UrlGrammar = {
  dialect: 'mssql',
  schemes: ['mssql:', 'sqlserver:'],
  parameters: ['encrypt', 'trustServerCertificate', 'schema', 'tablePrefix'],
  tls(params) {
    const encrypt = params.has('encrypt') ? urlFlag('mssql', 'encrypt', params.get('encrypt') ?? '') : undefined;
    const trust = params.has('trustServerCertificate')
      ? urlFlag('mssql', 'trustServerCertificate', params.get('trustServerCertificate') ?? '')
      : undefined;
    if (encrypt === false) {
      if (trust !== undefined) throw new ValidationError('db', 'trustServerCertificate has no use with encrypt=false');
      return { mode: 'disable', asked: 'encrypt=false' };
    }
    if (encrypt === undefined && trust === undefined)
      return { mode: 'verify-full', asked: 'encrypt=true (the default)' };
    return trust === true
      ? { mode: 'require', asked: 'trustServerCertificate=true' }
      : { mode: 'verify-full', asked: 'encrypt=true' };
  },
};
