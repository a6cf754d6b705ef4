/** What stands in for a hidden password or secret query value. */
export const REDACTED = '***';

/** Query parameters whose value is a secret: any name containing one of these (case-insensitive). */
const SECRET_PARAM = /pass|pwd|secret|token|api[-_]?key|auth|credential|signature|^sig$/i;

/** Where the authority (`user:pass@host:port`) of a URL that `new URL` accepts ends. */
function parsedAuthorityEnd(text: string, start: number): number {
  const end = text.slice(start).search(/[/?#\\]/);
  return end === -1 ? text.length : start + end;
}

/** Where the authority is taken to end otherwise: a password may hold a raw `/`. */
function looseAuthorityEnd(text: string, start: number): number {
  const end = text.slice(start).search(/[?#]/);
  return end === -1 ? text.length : start + end;
}

/**
 * True when `new URL` reads user info in the text: its authority then ends where the parser
 * says. Otherwise (no URL, or no user info found, as in `http://u:12/x@host` whose password
 * holds a `/`) the loose reading applies, which may hide more than the password but never less.
 */
function hasParsedUserInfo(text: string): boolean {
  try {
    const url = new URL(text);
    return url.username !== '' || url.password !== '';
  } catch {
    // not a URL `new URL` accepts
    return false;
  }
}

/** The query string (after `?`, before `#`) with the value of every secret parameter hidden. */
function redactQuery(query: string): string {
  return query.replace(/([^&;=]+)=([^&;]*)/g, (whole: string, name: string) => {
    let decoded = name;
    try {
      decoded = decodeURIComponent(name.replace(/\+/g, ' '));
    } catch {
      // a malformed escape: judge the name as written
    }
    return SECRET_PARAM.test(decoded) ? `${name}=${REDACTED}` : whole;
  });
}

/**
 * A URL fit to print: the password of its user info (`scheme://user:password@host`) and the
 * value of each query parameter whose name says it holds a secret (`password`, `sslpassword`,
 * `token`, `api_key`, `secret`, `auth`...) are replaced by `***`; the rest is kept as written.
 * It works on the text, so it handles what `new URL` refuses too: a password with a raw `@`,
 * `:` or `/` (the user info runs to the last `@` before the host), percent-encoded characters,
 * and strings that are no URL at all (returned with only their query secrets hidden). The
 * user name is kept.
 *
 * @param text - a URL, such as a database URL or an HTTP call's URL
 * @returns the URL with its secrets hidden
 * @example
 * ```ts
 * redactUrl('postgres://app:p@ss:w/rd@db.example.com/rookery?sslpassword=x'); // 'postgres://app:***@db.example.com/rookery?sslpassword=***'
 * ```
 */
export function redactUrl(text: string): string {
  let out = text;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(out);
  let rest = 0;
  if (scheme) {
    const start = scheme[0].length;
    const end = hasParsedUserInfo(out) ? parsedAuthorityEnd(out, start) : looseAuthorityEnd(out, start);
    const at = out.lastIndexOf('@', end - 1);
    if (at >= start) {
      const userInfo = out.slice(start, at);
      const colon = userInfo.indexOf(':');
      const shown = colon === -1 ? userInfo : `${userInfo.slice(0, colon)}:${REDACTED}`;
      out = `${out.slice(0, start)}${shown}${out.slice(at)}`;
      rest = start + shown.length;
    } else {
      rest = start;
    }
  }
  const question = out.indexOf('?', rest);
  if (question === -1) return out;
  const hash = out.indexOf('#', question);
  const queryEnd = hash === -1 ? out.length : hash;
  return `${out.slice(0, question + 1)}${redactQuery(out.slice(question + 1, queryEnd))}${out.slice(queryEnd)}`;
}
