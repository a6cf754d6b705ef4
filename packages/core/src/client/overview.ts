import type { Datastore } from '../datastore/datastore.js';
import type { NodeRecord } from '../model/node-record.js';

/** How long a node may go without a heartbeat and still count as alive, by default (ms). */
export const NODE_SILENT_AFTER_MS = 30_000;

/** Start lateness samples the overview's percentiles are taken over, at most. */
export const LATENESS_SAMPLES = 1_000;

/** A registered node as the overview shows it. */
export interface NodeSummary extends NodeRecord {
  /** Not stopped, and heartbeated within the silence bound. */
  alive: boolean;
  /** Tasks it runs now (its worker slots in use). */
  running: number;
}

/** A cluster at a glance: what {@link clusterOverview} reads. */
export interface ClusterOverview {
  /** When, database clock (epoch ms). */
  at: number;
  /** Registered nodes, running ones first. */
  nodes: NodeSummary[];
  /** Task counts. */
  tasks: {
    /** Pending (due or not). */
    pending: number;
    /** Running. */
    running: number;
    /** Completed within the last hour. */
    completedLastHour: number;
    /** Failed within the last hour. */
    failedLastHour: number;
  };
  /** Pending tasks already due: work waiting for a free slot. */
  backlog: number;
  /** Start lateness (start minus due time) of the latest starts within the hour, ms; null with none. */
  latenessMs: { p50: number; p99: number } | null;
  /** Task starts per second over the last minute. */
  startedPerSecond: number;
}

/** The value at quantile `q` (0..1) of `sorted` (ascending, non-empty), nearest rank. */
function quantile(sorted: readonly number[], q: number): number {
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

/**
 * Reads a cluster overview: the nodes (one read) and the task figures (`taskStats`: a few
 * index-served counts), as of the database clock.
 */
export async function clusterOverview(
  datastore: Datastore,
  silentAfterMs = NODE_SILENT_AFTER_MS,
): Promise<ClusterOverview> {
  const at = await datastore.clockNow();
  const nodes = await datastore.nodeList();
  const stats = await datastore.taskStats({
    endedSince: at - 3_600_000,
    startedSince: at - 60_000,
    latenessSamples: LATENESS_SAMPLES,
  });
  const running = new Map(stats.runningByNode.map((r) => [r.nodeId, r.running]));
  const late = [...stats.latenessMs].sort((a, b) => a - b);
  return {
    at,
    nodes: nodes.map((n) => ({
      ...n,
      alive: n.stoppedAt === null && at - n.heartbeatAt <= silentAfterMs,
      running: running.get(n.id) ?? 0,
    })),
    tasks: {
      pending: stats.pending,
      running: stats.running,
      completedLastHour: stats.completedSince,
      failedLastHour: stats.failedSince,
    },
    backlog: stats.due,
    latenessMs: late.length === 0 ? null : { p50: quantile(late, 0.5), p99: quantile(late, 0.99) },
    startedPerSecond: stats.startedSince / 60,
  };
}
