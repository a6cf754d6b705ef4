import type { Role } from '../api/types.js';

const RANK: Record<Role, number> = { read: 0, operate: 1, admin: 2 };

/** True when a token of role `held` may do what needs role `needed` (each role includes the ones before it). */
export function allows(held: Role, needed: Role): boolean {
  return RANK[held] >= RANK[needed];
}
