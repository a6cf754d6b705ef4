import { redactUrl, ValidationError, type Json } from '@rookery/core';

/** The payload of an `http` task, checked and with defaults filled in. */
export interface HttpPayload {
  /** Absolute `http:` or `https:` URL, without user info (which becomes the `Authorization` header). */
  url: URL;
  /** Upper-case method: the payload's, else `POST` with a body and `GET` without. */
  method: string;
  /** Request headers, with `Authorization: Basic …` when the URL carried `user:password@`. */
  headers: Record<string, string>;
  /** The body as sent: a string as it is, any other JSON value serialised; null for none. */
  body: string | null;
  /** True when the body was serialised from JSON (it is then sent as `application/json`). */
  bodyIsJson: boolean;
}

const FIELDS = new Set(['url', 'method', 'headers', 'body']);
/** RFC 9110 token: what a method or a header name may be made of. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}

/**
 * Takes `user:password@` out of the URL, so that it never reaches `fetch` (whose errors would
 * echo it) nor an error message, and sends it as `Authorization: Basic`, as curl does.
 */
function moveUserInfo(url: URL, headers: Record<string, string>): void {
  if (Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')) {
    throw new ValidationError(
      'payload.url',
      'carries user info while payload.headers sets Authorization too: keep one',
    );
  }
  let credentials: string;
  try {
    credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  } catch (error) {
    throw new ValidationError('payload.url', 'its user info has a malformed percent escape', { cause: error });
  }
  headers.Authorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
  url.username = '';
  url.password = '';
}

/**
 * Checks the payload of an `http` task: `{ url, method?, headers?, body? }`. Unknown fields
 * are refused, so a typo is not silently ignored. User info in the URL
 * (`https://user:password@host/…`) is taken out of it and sent as `Authorization: Basic`.
 *
 * @param payload - the schedule's payload
 * @returns the request to send
 * @throws ValidationError naming the field, such as `payload.url` or `payload.headers.X-Token`
 * @example
 * ```ts
 * parseHttpPayload({ url: 'https://hooks.example.com/report', body: { report: 'daily' } });
 * ```
 */
export function parseHttpPayload(payload: Json): HttpPayload {
  if (!isObject(payload)) {
    throw new ValidationError(
      'payload',
      `must be an object { url, method?, headers?, body? }, got ${describe(payload)}`,
    );
  }
  for (const key of Object.keys(payload)) {
    if (!FIELDS.has(key))
      throw new ValidationError(`payload.${key}`, 'unknown field (expected url, method, headers, body)');
  }
  if (typeof payload.url !== 'string')
    throw new ValidationError('payload.url', `must be a string, got ${describe(payload.url)}`);
  let url: URL;
  try {
    url = new URL(payload.url);
  } catch (error) {
    throw new ValidationError('payload.url', `'${redactUrl(payload.url)}' is not an absolute URL`, { cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ValidationError('payload.url', `must be an http: or https: URL, got ${url.protocol}`);
  }

  const rawBody = payload.body;
  const body =
    rawBody === undefined || rawBody === null ? null : typeof rawBody === 'string' ? rawBody : JSON.stringify(rawBody);
  const bodyIsJson = body !== null && typeof rawBody !== 'string';

  const rawMethod = payload.method ?? (body === null ? 'GET' : 'POST');
  if (typeof rawMethod !== 'string' || !TOKEN.test(rawMethod)) {
    throw new ValidationError(
      'payload.method',
      `must be an HTTP method such as GET or POST, got ${JSON.stringify(rawMethod)}`,
    );
  }
  const method = rawMethod.toUpperCase();
  if (body !== null && (method === 'GET' || method === 'HEAD')) {
    throw new ValidationError('payload.body', `a ${method} request cannot have a body`);
  }

  const rawHeaders = payload.headers ?? {};
  if (!isObject(rawHeaders))
    throw new ValidationError('payload.headers', `must be an object of strings, got ${describe(rawHeaders)}`);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(rawHeaders)) {
    const field = `payload.headers.${name}`;
    if (!TOKEN.test(name)) throw new ValidationError(field, 'is not a valid header name');
    if (typeof value !== 'string') throw new ValidationError(field, `must be a string, got ${describe(value)}`);
    if (/[\r\n\u0000]/.test(value)) throw new ValidationError(field, 'must not contain CR, LF or NUL');
    if (/[^\u0000-\u00ff]/.test(value))
      throw new ValidationError(field, 'must be Latin-1 text (encode other characters, as RFC 8187 does)');
    headers[name] = value;
  }
  if (url.username || url.password) moveUserInfo(url, headers);
  return { url, method, headers, body, bodyIsJson };
}
