import { redactUrl, ValidationError } from '@rookery/core';

/**
 * Reads an allow-list of origins: each entry an `http:` or `https:` URL with no user info, path,
 * query or fragment (`https://api.example.com`, `http://10.0.0.5:8080`).
 *
 * @param entries - the origins as written
 * @param field - the option's name, for errors (`allowedOrigins`, `http-allow`)
 * @returns the origins in their canonical form (`URL.origin`: lower-case host, default port dropped)
 * @throws ValidationError naming `<field>[<index>]`
 */
export function parseAllowedOrigins(entries: readonly string[], field: string): ReadonlySet<string> {
  const origins = new Set<string>();
  entries.forEach((entry, index) => {
    const name = `${field}[${index}]`;
    let url: URL;
    try {
      url = new URL(entry);
    } catch (error) {
      throw new ValidationError(name, `'${redactUrl(entry)}' is not an origin such as https://api.example.com`, {
        cause: error,
      });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new ValidationError(name, `must be an http: or https: origin, got ${url.protocol}`);
    if (url.username || url.password)
      throw new ValidationError(name, 'must not carry user info: an origin is scheme, host and port');
    if (url.pathname !== '/' || url.search || url.hash) {
      throw new ValidationError(
        name,
        `must be an origin only (scheme, host, port), such as ${url.origin}, got '${redactUrl(entry)}'`,
      );
    }
    origins.add(url.origin);
  });
  return origins;
}
