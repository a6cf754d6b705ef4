import type { NodeRecord } from '../model/node-record.js';
import type { ClockParams } from './clock-params.js';

/** A cluster-wide rate limit of one executor. */
export interface RateLimit {
  /** The executor. */
  executor: string;
  /** Starts allowed per one-second window of the database clock, across the cluster. */
  perSecond: number;
  /** Who set it last (a node id, or a client's name), or null. */
  setBy: string | null;
  /** When it was set, database clock. */
  updatedAt: number;
}

/** Input of {@link Datastore.rateLimitSet}. */
export interface RateLimitSetParams extends ClockParams {
  /** The executor. */
  executor: string;
  /** Starts per second across the cluster; null removes the limit. */
  perSecond: number | null;
  /** Who sets it, recorded. */
  setBy: string;
}

/** Input of {@link Datastore.nodeRegister}: the node's record, without the instants the store sets. */
export type NodeRegisterParams = Omit<NodeRecord, 'startedAt' | 'heartbeatAt' | 'stoppedAt'>;

/** Input of {@link Datastore.nodeHeartbeat}. */
export interface NodeHeartbeatParams extends ClockParams {
  /** The node. */
  id: string;
  /** The node's clock minus the database clock, ms. */
  clockOffsetMs: number;
}

/** Input of {@link Datastore.nodeStop}. */
export interface NodeStopParams extends ClockParams {
  /** The node. */
  id: string;
}

/** Input of {@link Datastore.nodePrune}. */
export interface NodePruneParams {
  /** Nodes that stopped, or last heart-beat, before this instant (epoch ms) are deleted. */
  seenBefore: number;
}

/** Input of {@link Datastore.historyPrune}. */
export interface HistoryPruneParams {
  /** Tasks whose attempt ended before this instant (database clock, epoch ms) are deleted. */
  endedBefore: number;
  /** At most this many tasks. */
  limit: number;
}
