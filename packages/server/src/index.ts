/**
 * Rookery server: the HTTP API over a cluster (role tokens, OpenAPI document, live logs), a
 * node's Prometheus metrics and its health probes.
 *
 * ```ts
 * import { createHealth, createNodeMetrics, startProbeServer, timedDatastore } from '@rookery/server';
 *
 * const registry = createNodeMetrics({ events, node, pool });
 * const server = await startProbeServer({ port: 9464, registry, health: createHealth({ node, datastore }), onError });
 * ```
 *
 * @packageDocumentation
 */
export { createNodeMetrics, LATENESS_BUCKETS_SECONDS, DURATION_BUCKETS_SECONDS } from './metrics/node-metrics.js';
export type { MetricsNode, NodeMetricsOptions } from './metrics/node-metrics.js';
export { createBacklogReader } from './metrics/backlog.js';
export type { BacklogOptions } from './metrics/backlog.js';
export { timedDatastore, DB_BUCKETS_SECONDS } from './metrics/timed-datastore.js';
export { createHealth } from './health/health.js';
export type { Health, HealthCheck, HealthNode, HealthOptions, HealthReport } from './health/health.js';
export { startProbeServer } from './http/probe-server.js';
export type { ProbeServer, ProbeServerOptions } from './http/probe-server.js';
export { dashboardPlugin, DashboardNotBuiltError, DASHBOARD_CONTENT_SECURITY_POLICY } from './dashboard/index.js';
export type { DashboardPluginOptions } from './dashboard/index.js';
export { Registry } from 'prom-client';
export { createServerHealth } from './health/server-health.js';
export type { ServerHealthOptions } from './health/server-health.js';
export { createApiServer, startApiServer, isLoopbackHost } from './api/api-server.js';
export type { ApiServerOptions, StartApiServerOptions, RunningApiServer } from './api/api-server.js';
export { rookeryApi } from './api/plugin.js';
export type { RookeryApiOptions } from './api/plugin.js';
export { API_ROUTES } from './api/routes/all-routes.js';
export type { ApiRoute, RouteDeps, RouteSchemas } from './api/routes/api-route.js';
export { buildOpenApiDocument, openApiPath, toOpenApiSchema } from './api/openapi.js';
export type { OpenApiDocument } from './api/openapi.js';
export { parseApiToken, parseApiTokenList, roleAllows, ROLES, MIN_TOKEN_CHARS } from './api/auth/roles.js';
export type { ApiToken, Role } from './api/auth/roles.js';
export { ApiError } from './api/http/api-error.js';
export type { ApiErrorBody, ApiErrorCode } from './api/http/api-error.js';
export type { JsonSchema } from './api/schemas/json-schema.js';
export * as apiSchemas from './api/schemas/index.js';
