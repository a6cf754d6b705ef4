import { bullmq, startBullmqWorker } from './bullmq.js';
import { graphileWorker, startGraphileWorker } from './graphile-worker.js';
import type { PeerName, PeerSystem, PeerWorkerConfig } from './peer.js';
import { pgBoss, startPgBossWorker } from './pg-boss.js';
import type { RecordedRun } from './recorder.js';

/** Every peer, by name. */
export const PEERS: Record<PeerName, PeerSystem> = { 'pg-boss': pgBoss, 'graphile-worker': graphileWorker, bullmq };

/** Starts a peer's worker in this process; resolves with its stop function. */
export type StartPeerWorker = (
  config: PeerWorkerConfig,
  handle: (run: RecordedRun, ms: number) => Promise<void>,
  onError: (error: unknown) => void,
) => Promise<() => Promise<void>>;

/** The worker side of every peer, by name. */
export const PEER_WORKERS: Record<PeerName, StartPeerWorker> = {
  'pg-boss': startPgBossWorker,
  'graphile-worker': startGraphileWorker,
  bullmq: startBullmqWorker,
};
