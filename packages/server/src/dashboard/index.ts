import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { loadDashboardAssets, type DashboardAsset, type DashboardAssetDirs } from './dashboard-assets.js';

export {
  DashboardNotBuiltError,
  dashboardScriptBytes,
  loadDashboardAssets,
  DEFAULT_DASHBOARD_DIRS,
} from './dashboard-assets.js';
export type { DashboardAsset, DashboardAssetDirs, DashboardAssets } from './dashboard-assets.js';

/** Options of {@link dashboardPlugin}. */
export interface DashboardPluginOptions {
  /** Where the files are. @defaultValue the package's own built dashboard */
  dirs?: DashboardAssetDirs;
}

/**
 * Only this server's own origin: no script, style, font or request goes anywhere else, and the
 * page cannot be framed.
 */
export const DASHBOARD_CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

function send(request: FastifyRequest, reply: FastifyReply, file: DashboardAsset): FastifyReply {
  reply.header('etag', file.etag).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff');
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  return reply.type(file.contentType).send(file.body);
}

/**
 * The dashboard as a fastify plugin: the page at `/` and its modules and style sheet under
 * `/ui/`, read into memory once when registered (throws `DashboardNotBuiltError` if the package
 * was not built). The files are public; the page asks for an API token and sends it as a
 * bearer header to `/api/v1`, whose routes check it.
 *
 * ```ts
 * await app.register(dashboardPlugin);
 * ```
 */
export const dashboardPlugin: FastifyPluginAsync<DashboardPluginOptions> = async (app, options) => {
  const assets = loadDashboardAssets(options.dirs);
  app.get('/', async (request, reply) => {
    reply.header('content-security-policy', DASHBOARD_CONTENT_SECURITY_POLICY).header('referrer-policy', 'no-referrer');
    return send(request, reply, assets.index);
  });
  app.get<{ Params: { '*': string } }>('/ui/*', async (request, reply) => {
    const file = assets.files.get(request.params['*']);
    if (!file)
      return reply
        .code(404)
        .send({ error: { code: 'not_found', message: `no dashboard file ${request.params['*']}` } });
    return send(request, reply, file);
  });
};
