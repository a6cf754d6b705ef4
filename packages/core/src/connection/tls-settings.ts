import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { ValidationError } from '../errors/index.js';

/**
 * How a database connection uses TLS, in libpq's terms, for every dialect:
 * - `disable`: plaintext;
 * - `require`: encrypted, the server's certificate is not checked;
 * - `verify-ca`: encrypted, the certificate must chain to a trusted CA (the given one, else the
 *   system's), whatever host name it names;
 * - `verify-full`: as `verify-ca`, and the certificate must name the host connected to.
 */
export type TlsMode = 'disable' | 'require' | 'verify-ca' | 'verify-full';

/** The TLS modes, in order of strictness. */
export const TLS_MODES: readonly TlsMode[] = ['disable', 'require', 'verify-ca', 'verify-full'];

/** PEM text (or its bytes). */
export type Pem = string | Buffer;

/**
 * TLS settings given in code rather than in a database URL (`ssl` of `createSqlDatastore`,
 * `createRookery` and `pgWakeSignals`): for what a URL cannot say, such as certificates held in
 * memory or a secret store. Each field given overrides what the URL says about it; giving this
 * object without `mode` (and a URL without a TLS parameter) means `verify-full`.
 */
export interface TlsOptions {
  /** How strictly to use TLS. @defaultValue the URL's mode, else `verify-full` */
  mode?: TlsMode;
  /** CA certificate(s) the server's certificate must chain to, PEM; replaces the system's CAs. @defaultValue the URL's CA file, else the system's CAs */
  ca?: Pem | Pem[];
  /** Client certificate, PEM, for servers that authenticate clients by certificate. @defaultValue none */
  cert?: Pem;
  /** Private key of the client certificate, PEM. @defaultValue none */
  key?: Pem;
  /** Passphrase of an encrypted `key`. @defaultValue none */
  passphrase?: string;
  /** Host name the certificate must name under `verify-full`, when it differs from the URL's host. @defaultValue the URL's host */
  servername?: string;
}

/** What a database URL says about TLS (files are read when the connection is set up). */
export interface UrlTls {
  /** The mode asked for. */
  mode: TlsMode;
  /** The URL parameters that asked for it, as written (`sslmode=require`), for messages. */
  asked: string;
  /** Path of the CA certificate file (PEM). */
  caFile?: string;
  /** Path of the client certificate file (PEM). */
  certFile?: string;
  /** Path of the client key file (PEM). */
  keyFile?: string;
  /** Passphrase of the client key. */
  passphrase?: string;
}

/** The TLS a connection uses, with certificates loaded: the URL's settings under the programmatic ones. */
export interface ResolvedTls {
  /** The mode; never `disable` (no TLS is `null`). */
  mode: Exclude<TlsMode, 'disable'>;
  /** What asked for TLS (`sslmode=require`, `the ssl option`), for messages. */
  asked: string;
  /** CA certificate(s), when given. */
  ca?: Pem | Pem[];
  /** Client certificate, when given. */
  cert?: Pem;
  /** Client key, when given. */
  key?: Pem;
  /** Passphrase of the client key, when given. */
  passphrase?: string;
  /** Host name to verify, when it is not the connection's host. */
  servername?: string;
}

function readPem(param: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ValidationError('db', `${param}: cannot read the file '${path}' (${reason})`, { cause });
  }
}

/**
 * The TLS a connection uses: the URL's TLS settings (their files read now) with the
 * programmatic `options` over them, or null for a plaintext connection. Throws ValidationError
 * (field `db`, naming the URL parameter) for a file that cannot be read, or (field `ssl.mode`)
 * for an unknown mode.
 *
 * @param url - what the URL says, if anything
 * @param options - the programmatic settings, if any
 */
export function resolveTls(url: UrlTls | undefined, options: TlsOptions | undefined): ResolvedTls | null {
  if (options?.mode !== undefined && !TLS_MODES.includes(options.mode)) {
    throw new ValidationError(
      'ssl.mode',
      `must be one of ${TLS_MODES.join(', ')}, got ${JSON.stringify(options.mode)}`,
    );
  }
  const mode = options?.mode ?? url?.mode ?? (options ? 'verify-full' : 'disable');
  if (mode === 'disable') return null;
  const asked = options?.mode !== undefined || !url ? `the ssl option (mode ${mode})` : url.asked;
  const ca = options?.ca ?? (url?.caFile !== undefined ? readPem(caParam(url), url.caFile) : undefined);
  const cert = options?.cert ?? (url?.certFile !== undefined ? readPem('sslcert', url.certFile) : undefined);
  const key = options?.key ?? (url?.keyFile !== undefined ? readPem('sslkey', url.keyFile) : undefined);
  const passphrase = options?.passphrase ?? url?.passphrase;
  return {
    mode,
    asked,
    ...(ca !== undefined ? { ca } : {}),
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
    ...(passphrase !== undefined ? { passphrase } : {}),
    ...(options?.servername !== undefined ? { servername: options.servername } : {}),
  };
}

function caParam(url: UrlTls): string {
  return url.asked.startsWith('sslmode') ? 'sslrootcert' : 'sslca';
}

/**
 * Node `tls.connect` options for `tls` (the shape `pg` takes as `ssl`): `require` accepts any
 * certificate, `verify-ca` checks the chain only, `verify-full` the chain and the host name.
 */
export function tlsConnectionOptions(tls: ResolvedTls): ConnectionOptions {
  return {
    rejectUnauthorized: tls.mode !== 'require',
    ...(tls.mode === 'verify-ca' ? { checkServerIdentity: () => undefined } : {}),
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
    ...(tls.key !== undefined ? { key: tls.key } : {}),
    ...(tls.passphrase !== undefined ? { passphrase: tls.passphrase } : {}),
    ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
  };
}
