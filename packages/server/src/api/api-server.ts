import { isIP } from 'node:net';
import { ValidationError } from '@rookery/core';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { Registry } from 'prom-client';
import { dashboardPlugin } from '../dashboard/index.js';
import type { Health, HealthReport } from '../health/health.js';
import { observeRequests } from './http/request-metrics.js';
import { rookeryApi, type RookeryApiOptions } from './plugin.js';

/** Options of {@link createApiServer}. */
export interface ApiServerOptions extends RookeryApiOptions {
  /**
   * fastify's logger: false (none), true, or pino options. The `Authorization` header is
   * always redacted, whatever is given. @defaultValue false
   */
  logger?: boolean | Exclude<FastifyServerOptions['logger'], boolean | undefined>;
  /** Served at `GET /metrics` (Prometheus text) when given, with `rookery_api_request_seconds` registered in it. */
  registry?: Registry;
  /** Served at `GET /healthz` and `GET /readyz` when given. */
  health?: Health;
}

/** Paths redacted from every log line: a token must never reach a log. */
const REDACT = ['req.headers.authorization', 'request.headers.authorization', 'headers.authorization'];

function loggerOption(logger: ApiServerOptions['logger']): FastifyServerOptions['logger'] {
  if (!logger) return false;
  const given = logger === true ? {} : logger;
  const redact = Array.isArray(given.redact) ? given.redact : (given.redact?.paths ?? []);
  return { ...given, redact: { paths: [...new Set([...redact, ...REDACT])], censor: '[redacted]' } };
}

function sendReport(report: HealthReport): { status: number; body: HealthReport } {
  return { status: report.ok ? 200 : 503, body: report };
}

/**
 * Builds (does not start) the Rookery HTTP server: the API under `/api/v1` (the
 * {@link rookeryApi} plugin), `/metrics`, `/healthz` and `/readyz` when their sources are given,
 * and the dashboard at `/`. Throws a ValidationError on `tokens` when no token is given and
 * `insecureNoAuth` is not set.
 */
export async function createApiServer(options: ApiServerOptions): Promise<FastifyInstance> {
  if ((options.tokens ?? []).length === 0 && !options.insecureNoAuth) {
    throw new ValidationError('tokens', 'give at least one ROLE:TOKEN, or insecureNoAuth on a loopback address');
  }
  const { logger, registry, health, ...api } = options;
  // loaded here, not at import: every `rookery` command imports this package (for the node
  // probes), and only `rookery serve` needs fastify
  const { default: Fastify } = await import('fastify');
  // a path parameter longer than the schemas allow must reach them (a 400 naming it), not stop at the router (414)
  const app = Fastify({
    logger: loggerOption(logger),
    return503OnClosing: true,
    routerOptions: { maxParamLength: 2_000 },
  });
  if (registry) observeRequests(app, registry);
  await app.register(rookeryApi, { ...api, prefix: '/api/v1' });
  if (registry) {
    app.get('/metrics', async (_request, reply) =>
      reply.header('content-type', registry.contentType).send(await registry.metrics()),
    );
  }
  if (health) {
    app.get('/healthz', async (_request, reply) => {
      const { status, body } = sendReport(health.liveness());
      return reply.code(status).send(body);
    });
    app.get('/readyz', async (_request, reply) => {
      const { status, body } = sendReport(await health.readiness());
      return reply.code(status).send(body);
    });
  }
  // ── The dashboard: its plugin (src/dashboard/index.ts) serves `/` and its assets. ──
  await app.register(dashboardPlugin);
  return app;
}

/** True for a loopback address or name (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === '::1' || bare === '::ffff:127.0.0.1';
}

/** Options of {@link startApiServer}. */
export interface StartApiServerOptions extends ApiServerOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Address to listen on. @defaultValue '127.0.0.1' */
  host?: string;
}

/** A listening API server. */
export interface RunningApiServer {
  /** The fastify instance. */
  app: FastifyInstance;
  /** The port it listens on. */
  port: number;
  /** Its base URL (`http://127.0.0.1:8080`). */
  url: string;
  /** Stops listening; open streams are ended. */
  close(): Promise<void>;
}

/**
 * Builds the server ({@link createApiServer}) and listens. With `insecureNoAuth` it refuses a
 * host that is not loopback (a ValidationError on `host`): an open API on a reachable address
 * would let anyone delete schedules.
 */
export async function startApiServer(options: StartApiServerOptions): Promise<RunningApiServer> {
  const { port, host = '127.0.0.1', ...rest } = options;
  if (options.insecureNoAuth && !isLoopbackHost(host)) {
    throw new ValidationError(
      'host',
      `${host} is not a loopback address; without tokens the server listens on loopback only (127.0.0.1, ::1, localhost)`,
    );
  }
  const app = await createApiServer(rest);
  await app.listen({ port, host });
  const address = app.server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    app,
    port: bound,
    url: `http://${shown}:${bound}`,
    close: async () => {
      app.server.closeAllConnections();
      await app.close();
    },
  };
}
