import type { NodeRecord } from '../model/node-record.js';

/** Most nodes whose polls are shared out: a node's poll wait grows at most this many times. */
export const MOST_POLL_SHARE = 10;

/** A node counts as live while its latest heartbeat is at most this many heartbeat intervals old. */
const LIVE_HEARTBEATS = 3;

/**
 * How many live nodes share this node's polls: those running (not stopped, heartbeat at most
 * three intervals old by the database clock) that offer every executor this node offers, so
 * that any of them finds by its own poll what this one would. This node counts itself, so the
 * answer is at least 1; it is at most {@link MOST_POLL_SHARE}.
 *
 * @param nodes - the cluster's node records
 * @param executors - the executors this node offers
 * @param dbNow - the database clock now
 * @param heartbeatEveryMs - the nodes' heartbeat interval
 */
export function pollShareOf(
  nodes: readonly Pick<NodeRecord, 'executors' | 'heartbeatAt' | 'stoppedAt'>[],
  executors: readonly string[],
  dbNow: number,
  heartbeatEveryMs: number,
): number {
  const liveSince = dbNow - LIVE_HEARTBEATS * heartbeatEveryMs;
  const peers = nodes.filter(
    (n) => n.stoppedAt === null && n.heartbeatAt >= liveSince && executors.every((e) => n.executors.includes(e)),
  ).length;
  return Math.min(MOST_POLL_SHARE, Math.max(1, peers));
}
