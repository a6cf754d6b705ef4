import { REDACTED, redactUrl } from '../text/redact-url.js';

/** A URL inside free text: a scheme, `://`, and everything up to the next blank or quote. */
const URL_IN_TEXT = /[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s"'<>`]+/g;

/** An `Authorization` (or `Proxy-Authorization`) header written out as `name: value` or `"name":"value"`. */
const AUTH_HEADER = /((?:proxy-)?authorization["']?\s*[:=]\s*["']?)([^"'\r\n,}]+)/gi;

/**
 * Free text fit to log: every URL in it through {@link redactUrl} (passwords and secret query
 * values hidden) and the value of every `Authorization` header written out in it replaced by
 * `***`. Error messages go through it before they reach a logger.
 *
 * @param text - an error message or any other text that may quote a URL or a request's headers
 * @returns the text with those secrets hidden
 */
export function redactSecrets(text: string): string {
  return text
    .replace(URL_IN_TEXT, (url) => redactUrl(url))
    .replace(AUTH_HEADER, (_whole, name: string) => `${name}${REDACTED}`);
}

/**
 * Paths of fields a pino logger should hide (its `redact` option): the `Authorization` headers
 * of a request or response logged as an object.
 */
export const REDACTED_LOG_PATHS: readonly string[] = [
  'headers.authorization',
  'headers["proxy-authorization"]',
  '*.headers.authorization',
  '*.headers["proxy-authorization"]',
];
