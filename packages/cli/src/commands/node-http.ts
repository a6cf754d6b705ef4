import type { Command } from 'commander';
import { ValidationError, type EventBus, type RookeryNode, type WorkerPool } from '@rookery/core';
import type { SqlDatastore } from '@rookery/datastore-sql';
import {
  createHealth,
  createNodeMetrics,
  Registry,
  startProbeServer,
  timedDatastore,
  type ProbeServer,
} from '@rookery/server';
import { parseDuration, parseInteger } from '../options/duration.js';

/** The probe options of `rookery node`, as commander hands them over. */
export interface NodeHttpCommandOptions {
  http?: string;
  httpHost: string;
  readyMaxOffset: string;
}

/** Where and how `rookery node` serves its metrics and probes. */
export interface NodeHttpSettings {
  /** TCP port. */
  port: number;
  /** Address listened on. */
  host: string;
  /** `/readyz` fails beyond this clock offset, ms. */
  maxClockOffsetMs: number;
}

/** What is wrong with the database's schema for this code (for `/readyz`), or null when it is current. */
export async function schemaProblem(datastore: Pick<SqlDatastore, 'migrationStatus'>): Promise<string | null> {
  const status = await datastore.migrationStatus();
  if (status.databaseVersion > status.codeVersion)
    return `the schema (${status.databaseVersion}) is newer than this code (${status.codeVersion})`;
  return status.pending.length > 0 ? `${status.pending.length} migration(s) pending` : null;
}

/** Adds `--http`, `--http-host` and `--ready-max-offset` to `rookery node`. */
export function addNodeHttpOptions(command: Command): Command {
  return command
    .option(
      '--http <port>',
      'serve /metrics (Prometheus), /healthz and /readyz on this TCP port (default: no HTTP server)',
    )
    .option(
      '--http-host <address>',
      'address the --http server listens on (0.0.0.0 in a container, so probes and Prometheus reach it)',
      '127.0.0.1',
    )
    .option(
      '--ready-max-offset <duration>',
      "/readyz fails while this node's clock is further than this from the database clock",
      '10s',
    );
}

/** Validates the probe options; null without `--http`. */
export function parseNodeHttp(opts: NodeHttpCommandOptions): NodeHttpSettings | null {
  const maxClockOffsetMs = parseDuration('ready-max-offset', opts.readyMaxOffset);
  if (opts.http === undefined) return null;
  const host = opts.httpHost.trim();
  if (!host) throw new ValidationError('http-host', 'must not be empty');
  return { port: parseInteger('http', opts.http, 0, 65_535), host, maxClockOffsetMs };
}

/** A node's datastore as `rookery node` uses it: timed into `registry` when metrics are served. */
export function observedDatastore(
  settings: NodeHttpSettings | null,
  datastore: SqlDatastore,
): { datastore: SqlDatastore; registry: Registry | null } {
  if (!settings) return { datastore, registry: null };
  const registry = new Registry();
  return { datastore: timedDatastore(datastore, registry), registry };
}

/**
 * Registers the node's metrics in `registry` and starts the probe server; null without
 * `--http`. Errors while answering go to the node's `generalError` (source `http`).
 */
export async function startNodeHttp(
  settings: NodeHttpSettings | null,
  wiring: { node: RookeryNode; pool: WorkerPool; events: EventBus; datastore: SqlDatastore; registry: Registry | null },
): Promise<ProbeServer | null> {
  if (!settings || !wiring.registry) return null;
  const { node, pool, events, datastore } = wiring;
  const registry = createNodeMetrics({
    events,
    node,
    pool,
    registry: wiring.registry,
    backlog: { datastore, dbNow: () => node.dbNow(), events, nodeId: node.id },
  });
  const health = createHealth({
    node,
    datastore,
    maxClockOffsetMs: settings.maxClockOffsetMs,
    schemaProblem: () => schemaProblem(datastore),
  });
  return startProbeServer({
    port: settings.port,
    host: settings.host,
    registry,
    health,
    onError: (error) => events.emit('generalError', error, { nodeId: node.id, source: 'http' }),
  });
}
