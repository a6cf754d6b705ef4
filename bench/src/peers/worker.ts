#!/usr/bin/env node
/**
 * One worker process of a peer under `npm run bench -- --compare`: reads its settings from
 * `ROOKERY_PEER_CONFIG` (JSON {@link PeerWorkerConfig}) and its node id from `ROOKERY_NODE_ID`,
 * starts the peer's worker with the recording handler, prints `ready`, and stops on SIGTERM.
 * Errors of the peer go to stderr as `generalError` lines, which the bench counts.
 *
 * @packageDocumentation
 */
import { PEER_NAMES, type PeerWorkerConfig } from './peer.js';
import { recordingHandler } from './recorder.js';
import { PEER_WORKERS } from './systems.js';

const text = process.env['ROOKERY_PEER_CONFIG'];
if (!text) throw new Error('ROOKERY_PEER_CONFIG is not set');
const config = JSON.parse(text) as PeerWorkerConfig;
if (!(PEER_NAMES as readonly string[]).includes(config.peer))
  throw new Error(`ROOKERY_PEER_CONFIG.peer must be one of ${PEER_NAMES.join(', ')}, got '${config.peer}'`);
const nodeId = process.env['ROOKERY_NODE_ID'] ?? 'unknown';
const onError = (error: unknown): void => {
  console.error(
    `generalError ${config.peer} ${nodeId}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
};
const stop = await PEER_WORKERS[config.peer](config, recordingHandler(config.history, nodeId), onError);
process.once('SIGTERM', () => {
  stop().then(
    () => process.exit(0),
    (error: unknown) => {
      onError(error);
      process.exit(1);
    },
  );
});
console.log('ready');
