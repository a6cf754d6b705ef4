import type { FastifyPluginAsync } from 'fastify';

/**
 * The dashboard, served at `/` by `createApiServer`. This placeholder registers no route; the
 * dashboard's own module (packages/server/src/dashboard/) replaces it.
 */
export const dashboardPlugin: FastifyPluginAsync = async () => undefined;
