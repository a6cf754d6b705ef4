import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiToken, Role } from './roles.js';

/** Finds the role of a presented token, in time that does not depend on how much of it matches. */
export type TokenCheck = (presented: string) => Role | null;

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Builds the check of presented tokens against `tokens`: each is kept as its SHA-256 digest
 * only, and a presented token's digest is compared with every one of them by
 * `crypto.timingSafeEqual` (equal lengths, so no early exit), without stopping at a match:
 * neither the length nor the content of a token leaks through the answer's timing.
 */
export function createTokenCheck(tokens: readonly ApiToken[]): TokenCheck {
  const known = tokens.map((t) => ({ role: t.role, hash: digest(t.token) }));
  return (presented) => {
    const hash = digest(presented);
    let role: Role | null = null;
    for (const k of known) if (timingSafeEqual(hash, k.hash) && role === null) role = k.role;
    return role;
  };
}

/** The token of an `Authorization: Bearer <token>` header, or null for none or another scheme. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}
