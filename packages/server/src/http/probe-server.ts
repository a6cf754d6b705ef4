import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Health, HealthReport } from '../health/health.js';

/** Options of {@link startProbeServer}. */
export interface ProbeServerOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Address to listen on. @defaultValue '127.0.0.1' */
  host?: string;
  /** Served at `GET /metrics` (else 404). */
  registry?: Registry;
  /** Served at `GET /healthz` and `GET /readyz` (else 404). */
  health?: Health;
  /** Told of an error while answering a request (the request gets a 500). */
  onError: (error: Error) => void;
}

/** A running probe server. */
export interface ProbeServer {
  /** The port it listens on (the one picked when `port` was 0). */
  readonly port: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

function sendReport(res: ServerResponse, report: HealthReport): void {
  res.writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify(report)}\n`);
}

async function answer(req: IncomingMessage, res: ServerResponse, options: ProbeServerOptions): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://probe').pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  if (path === '/metrics' && options.registry) {
    const text = await options.registry.metrics();
    res.writeHead(200, { 'content-type': options.registry.contentType });
    res.end(text);
  } else if (path === '/healthz' && options.health) {
    sendReport(res, options.health.liveness());
  } else if (path === '/readyz' && options.health) {
    sendReport(res, await options.health.readiness());
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }
}

/**
 * Starts an HTTP server (node:http) answering `GET /metrics` (Prometheus text), `GET /healthz`
 * and `GET /readyz` (JSON {@link HealthReport}; 200 when ok, else 503).
 *
 * @param options - port, address, what to serve
 * @returns the server once it listens
 * @throws the listen error (port in use, address not available)
 */
export async function startProbeServer(options: ProbeServerOptions): Promise<ProbeServer> {
  const server = createServer((req, res) => {
    answer(req, res, options).catch((error: unknown) => {
      options.onError(error instanceof Error ? error : new Error(String(error)));
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', options.onError);
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
