import { ValidationError } from '../../errors/index.js';
import { TLS_MODES, type TlsMode } from '../tls-settings.js';
import { urlTls, type UrlGrammar } from './url-grammar.js';

/**
 * PostgreSQL URLs: `postgres://` or `postgresql://`, with `sslmode` (disable, require,
 * verify-ca, verify-full), `sslrootcert`, `sslcert`, `sslkey` (file paths), `sslpassword`,
 * `application_name`, `schema` and `tablePrefix`. TLS follows libpq: a root certificate with
 * `require` checks the chain, and `sslpassword` alone is accepted (it only unlocks a key).
 */
export const postgresUrl: UrlGrammar = {
  dialect: 'postgres',
  schemes: ['postgres:', 'postgresql:'],
  parameters: [
    'sslmode',
    'sslrootcert',
    'sslcert',
    'sslkey',
    'sslpassword',
    'application_name',
    'schema',
    'tablePrefix',
  ],
  tls(params) {
    const sslmode = params.get('sslmode');
    const files = ['sslrootcert', 'sslcert', 'sslkey'].filter((p) => params.has(p));
    if (sslmode === undefined) {
      if (files.length > 0)
        throw new ValidationError(
          'db',
          `${files[0]} needs sslmode (require, verify-ca or verify-full) in the postgres URL`,
        );
      return undefined;
    }
    if (!TLS_MODES.includes(sslmode as TlsMode)) {
      throw new ValidationError(
        'db',
        `sslmode must be one of ${TLS_MODES.join(', ')} in the postgres URL, got '${sslmode}'`,
      );
    }
    if (sslmode === 'disable') {
      if (files.length > 0) throw new ValidationError('db', `${files[0]} has no use with sslmode=disable`);
      return undefined;
    }
    const caFile = params.get('sslrootcert');
    const mode: TlsMode = sslmode === 'require' && caFile !== undefined ? 'verify-ca' : (sslmode as TlsMode);
    return urlTls(mode, `sslmode=${sslmode}`, {
      caFile,
      certFile: params.get('sslcert'),
      keyFile: params.get('sslkey'),
      passphrase: params.get('sslpassword'),
    });
  },
};
