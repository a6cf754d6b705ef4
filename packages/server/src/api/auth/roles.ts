import { ValidationError } from '@rookery/core';

/** What a token may do: `read` < `operate` < `admin`, each including the ones before. */
export type Role = 'read' | 'operate' | 'admin';

/** Every role, weakest first. */
export const ROLES: readonly Role[] = ['read', 'operate', 'admin'];

/** True when `held` includes `needed`. */
export function roleAllows(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

/** A bearer token and the role it grants. */
export interface ApiToken {
  /** The role. */
  role: Role;
  /** The secret the client sends as `Authorization: Bearer <token>`. */
  token: string;
}

/** Shortest token accepted, in characters: shorter ones are guessable. */
export const MIN_TOKEN_CHARS = 16;

/**
 * Parses `ROLE:TOKEN` (as `--token` and `ROOKERY_API_TOKENS` give them). Throws a
 * {@link ValidationError} naming `field` for an unknown role, or a token that is shorter
 * than {@link MIN_TOKEN_CHARS} or holds whitespace or a comma; the message never holds the token.
 */
export function parseApiToken(field: string, text: string): ApiToken {
  const colon = text.indexOf(':');
  const role = colon < 0 ? text : text.slice(0, colon);
  if (colon < 0 || !(ROLES as readonly string[]).includes(role)) {
    throw new ValidationError(field, `must be ROLE:TOKEN with ROLE one of ${ROLES.join(', ')}`);
  }
  const token = text.slice(colon + 1);
  if (token.length < MIN_TOKEN_CHARS)
    throw new ValidationError(
      field,
      `the ${role} token is ${token.length} characters long; use at least ${MIN_TOKEN_CHARS}`,
    );
  if (/[\s,]/.test(token)) throw new ValidationError(field, `the ${role} token holds whitespace or a comma`);
  return { role: role as Role, token };
}

/** Parses a comma-separated list of `ROLE:TOKEN` (as `ROOKERY_API_TOKENS` gives it); empty entries are ignored. */
export function parseApiTokenList(field: string, text: string): ApiToken[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => parseApiToken(field, s));
}
