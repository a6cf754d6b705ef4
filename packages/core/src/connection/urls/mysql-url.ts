import { ValidationError } from '../../errors/index.js';
import { urlFlag, urlTls, type UrlGrammar } from './url-grammar.js';

/**
 * MySQL and MariaDB URLs: `mysql://` or `mariadb://`, with `ssl=true`, `sslca`, `sslcert`,
 * `sslkey` (file paths), `sslverify=false` (encrypt without checking the certificate) and
 * `tablePrefix`.
 */
export const mysqlUrl: UrlGrammar = {
  dialect: 'mysql',
  schemes: ['mysql:', 'mariadb:'],
  parameters: ['ssl', 'sslca', 'sslcert', 'sslkey', 'sslverify', 'tablePrefix'],
  tls(params) {
    const ssl = params.get('ssl');
    const others = ['sslca', 'sslcert', 'sslkey', 'sslverify'].filter((p) => params.has(p));
    if (ssl === undefined || !urlFlag('mysql', 'ssl', ssl)) {
      if (others.length > 0) throw new ValidationError('db', `${others[0]} needs ssl=true in the mysql URL`);
      return undefined;
    }
    const verify = params.has('sslverify') ? urlFlag('mysql', 'sslverify', params.get('sslverify') ?? '') : true;
    return urlTls(verify ? 'verify-full' : 'require', verify ? 'ssl=true' : 'ssl=true&sslverify=false', {
      caFile: params.get('sslca'),
      certFile: params.get('sslcert'),
      keyFile: params.get('sslkey'),
    });
  },
};
