import type { FastifyRequest } from 'fastify';
import type { Role } from './roles.js';

const roles = new WeakMap<FastifyRequest, Role>();

/** Records the role a request's token was found to hold. */
export function setRoleOf(request: FastifyRequest, role: Role): void {
  roles.set(request, role);
}

/** The role of a request that passed authentication (`read` when none was recorded). */
export function roleOf(request: FastifyRequest): Role {
  return roles.get(request) ?? 'read';
}
