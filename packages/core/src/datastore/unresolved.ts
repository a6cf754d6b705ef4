import type { NodeRecord } from '../model/node-record.js';

/** The last instant a node was known to run: when it stopped, else its latest heartbeat (database clock). */
export function nodeLastSeen(node: Pick<NodeRecord, 'heartbeatAt' | 'stoppedAt'>): number {
  return node.stoppedAt ?? node.heartbeatAt;
}

/** The executors offered by a node seen running at or after `since` (database clock). */
export function executorsOfferedSince(
  nodes: Iterable<Pick<NodeRecord, 'executors' | 'heartbeatAt' | 'stoppedAt'>>,
  since: number,
): Set<string> {
  const offered = new Set<string>();
  for (const n of nodes) if (nodeLastSeen(n) >= since) for (const e of n.executors) offered.add(e);
  return offered;
}
