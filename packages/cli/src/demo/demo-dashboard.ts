import { randomBytes } from 'node:crypto';
import type { RookeryClient } from '@rookery/core';
import { startApiServer } from '@rookery/server';

/** The demo's API server and dashboard, listening on loopback. */
export interface DemoDashboard {
  /** The dashboard's URL with the admin token in its fragment: opening it signs the tab in. */
  url: string;
  /** Stops serving. */
  close(): Promise<void>;
}

/**
 * Starts the HTTP API and the dashboard on `127.0.0.1:port` (0: any free port) with one admin
 * token, fresh for this run (a random 144-bit secret, never written anywhere but the URL printed).
 */
export async function startDemoDashboard(client: RookeryClient, port: number): Promise<DemoDashboard> {
  const token = randomBytes(18).toString('base64url');
  const server = await startApiServer({ client, tokens: [{ role: 'admin', token }], host: '127.0.0.1', port });
  return { url: `${server.url}/#token=${token}`, close: () => server.close() };
}
