import type { FastifyInstance } from 'fastify';
import { Histogram, type Registry } from 'prom-client';

/** Histogram buckets of an API request, in seconds: 1 ms to 10 s. */
export const API_BUCKETS_SECONDS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
];

/**
 * Observes every answered request of `app` in `rookery_api_request_seconds{method, route,
 * status}`, registered in `registry`: `route` is the route's pattern (`/api/v1/schedules/:idOrName`,
 * so the label set stays small; `unmatched` for a path no route serves), the time is fastify's
 * own measure from the request's arrival to the answer's end. A log stream counts once, when it
 * ends.
 */
export function observeRequests(app: FastifyInstance, registry: Registry): void {
  const histogram = new Histogram({
    name: 'rookery_api_request_seconds',
    help: 'Time to answer HTTP API requests, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: [...API_BUCKETS_SECONDS],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    histogram.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
}
