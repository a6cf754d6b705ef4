/**
 * Rookery server: a node's Prometheus metrics and its health probes.
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
