import { Gauge, type Registry } from 'prom-client';
import type { ClusterOverview } from '@rookery/core';

/** How a server's cluster-wide gauges are read. */
export interface ClusterMetricsOptions {
  /** Where the gauges are registered. */
  registry: Registry;
  /** Reads the cluster from the ledger (`client.overview()`). */
  overview: () => Promise<ClusterOverview>;
  /**
   * A reading is reused for scrapes within this long of it, so that every gauge of one scrape,
   * and scrapes from several Prometheus servers, cost one read. @defaultValue 5 000 ms
   */
  maxAgeMs?: number;
  /** The clock the reading's age is judged by. @defaultValue Date.now */
  now?: () => number;
}

/** One overview shared by the gauges of a scrape: read at most once per `maxAgeMs`. */
function cachedOverview(
  read: () => Promise<ClusterOverview>,
  maxAgeMs: number,
  now: () => number,
): () => Promise<ClusterOverview> {
  let last: { at: number; value: Promise<ClusterOverview> } | null = null;
  return () => {
    const t = now();
    if (last === null || t - last.at >= maxAgeMs) {
      const value = read();
      last = { at: t, value };
      // A failed read is not kept: the next scrape reads again.
      value.catch(() => {
        if (last?.value === value) last = null;
      });
    }
    return last.value;
  };
}

/**
 * Registers the cluster-wide gauges of a server (`rookery serve`), read from the occurrence
 * ledger on scrape through `overview` (a few index-served reads, shared by all gauges and
 * reused for `maxAgeMs`): nodes alive and silent, tasks pending and running, tasks completed
 * and failed within the last hour, the due backlog, start lateness percentiles over the last
 * hour's starts and starts per second over the last minute. A failed read fails the scrape
 * (Prometheus records the target down) and is read again at the next.
 *
 * @returns the registry, for chaining
 */
export function createClusterMetrics(options: ClusterMetricsOptions): Registry {
  const { registry } = options;
  const read = cachedOverview(options.overview, options.maxAgeMs ?? 5_000, options.now ?? Date.now);
  new Gauge({
    name: 'rookery_cluster_nodes',
    help: 'Registered nodes by status: alive (heartbeating) or silent (stopped, or no heartbeat within 30 s)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const o = await read();
      const alive = o.nodes.filter((n) => n.alive).length;
      this.set({ status: 'alive' }, alive);
      this.set({ status: 'silent' }, o.nodes.length - alive);
    },
  });
  new Gauge({
    name: 'rookery_cluster_tasks',
    help: 'Tasks pending (due or not) and running, cluster-wide',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const o = await read();
      this.set({ state: 'pending' }, o.tasks.pending);
      this.set({ state: 'running' }, o.tasks.running);
    },
  });
  new Gauge({
    name: 'rookery_cluster_tasks_ended_last_hour',
    help: 'Tasks that ended completed or failed within the last hour, cluster-wide',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const o = await read();
      this.set({ state: 'completed' }, o.tasks.completedLastHour);
      this.set({ state: 'failed' }, o.tasks.failedLastHour);
    },
  });
  new Gauge({
    name: 'rookery_cluster_backlog_tasks',
    help: 'Pending tasks already due and not started, cluster-wide',
    registers: [registry],
    async collect() {
      this.set((await read()).backlog);
    },
  });
  new Gauge({
    name: 'rookery_cluster_start_lateness_seconds',
    help: 'Start lateness (start minus due time) of the latest starts within the hour, by quantile; absent with no start',
    labelNames: ['quantile'],
    registers: [registry],
    async collect() {
      const late = (await read()).latenessMs;
      this.reset();
      if (late === null) return;
      this.set({ quantile: '0.5' }, late.p50 / 1000);
      this.set({ quantile: '0.99' }, late.p99 / 1000);
    },
  });
  new Gauge({
    name: 'rookery_cluster_starts_per_second',
    help: 'Task starts per second over the last minute, cluster-wide',
    registers: [registry],
    async collect() {
      this.set((await read()).startedPerSecond);
    },
  });
  return registry;
}
