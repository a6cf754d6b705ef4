import type { ResolvedTls } from './tls-settings.js';

/** Node's codes for a server certificate that failed verification. */
const CERTIFICATE_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  // mysql2's code for a TLS handshake that failed, the certificate check included.
  'HANDSHAKE_SSL_ERROR',
]);

/** The innermost error of a chain of wrappers (`cause`, Sequelize's `parent`/`original`). */
function innermost(error: unknown): Record<string, unknown> {
  let e: unknown = error;
  for (let depth = 0; depth < 5; depth += 1) {
    if (typeof e !== 'object' || e === null) break;
    const r = e as Record<string, unknown>;
    const inner = r['original'] ?? r['parent'] ?? r['cause'];
    if (typeof inner !== 'object' || inner === null) break;
    e = inner;
  }
  return typeof e === 'object' && e !== null ? (e as Record<string, unknown>) : {};
}

/**
 * Explains a failure to connect that TLS caused, or returns undefined when TLS is not the
 * cause: a server that does not accept TLS although the connection asks for it, or a server
 * certificate that failed verification. The text names the setting that asked for TLS and
 * never holds a password.
 *
 * @param error - the connect error (a driver error or a wrapper of one)
 * @param tls - the TLS the connection asked for, null for none
 * @param where - the server, such as `postgres server 127.0.0.1:5432`
 */
export function describeTlsFailure(error: unknown, tls: ResolvedTls | null, where: string): string | undefined {
  if (tls === null) return undefined;
  const e = innermost(error);
  const message = typeof e['message'] === 'string' ? e['message'] : '';
  if (/does not support (SSL|secure)/i.test(message) || e['code'] === 'HANDSHAKE_NO_SSL_SUPPORT') {
    return `the ${where} does not accept TLS connections, but ${tls.asked} asks for TLS; enable TLS on the server, or connect without it`;
  }
  if (typeof e['code'] === 'string' && CERTIFICATE_CODES.has(e['code'])) {
    return `the ${where} presented a TLS certificate that ${tls.asked} refuses (${message}); give the CA that signed it (sslrootcert, sslca or the ssl option's ca), or check the host name`;
  }
  return undefined;
}
