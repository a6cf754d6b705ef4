import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventBus, Task, WorkerPool } from '@rookery/core';
import { createBacklogReader, type BacklogOptions } from './backlog.js';

/**
 * Histogram buckets of a task's start lateness, in seconds: from a millisecond to ten minutes,
 * so that both a healthy cluster (a few ms) and one falling behind (minutes) resolve.
 */
export const LATENESS_BUCKETS_SECONDS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
];

/** Histogram buckets of an attempt's run time, in seconds: 5 ms to an hour. */
export const DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800, 3600,
];

/** What {@link createNodeMetrics} reads a node's own figures from. */
export interface MetricsNode {
  /** Node id, put on every metric as the `node` label. */
  readonly id: string;
  /** Attempts running on the node now. */
  readonly runningCount: number;
  /** The node's clock offset from the database clock (node − database, ms), as last measured. */
  readonly clockOffset: number;
}

/** Options of {@link createNodeMetrics}. */
export interface NodeMetricsOptions {
  /** The node's event bus: task, lease, repair, pool and error events are counted from it. */
  events: EventBus;
  /** The node: its id labels every metric; its running count and clock offset are read on each scrape. */
  node: MetricsNode;
  /** The node's worker pool: its size (running + free) is read on each scrape. */
  pool?: WorkerPool;
  /** Where the due-but-not-started backlog is read (cached); without it the backlog gauge is left out. */
  backlog?: BacklogOptions;
  /** Registry to register into. @defaultValue a new one */
  registry?: Registry;
}

const SECONDS_PER_MS = 1 / 1000;

function lateness(task: Task): number | null {
  return task.startedAt === null ? null : Math.max(0, task.startedAt - task.dueAt) * SECONDS_PER_MS;
}

function runTime(task: Task): number | null {
  return task.startedAt === null || task.endedAt === null
    ? null
    : Math.max(0, task.endedAt - task.startedAt) * SECONDS_PER_MS;
}

/**
 * Creates a prom-client registry holding one node's metrics (see the observability page for
 * each metric): tasks started, completed, failed, retried, skipped and missed by executor; the
 * start lateness and run time histograms; the due backlog; leases lost; repairs; the clock
 * offset; the worker pool; errors by source. Every metric carries the label `node`: it is set as
 * the registry's default label, so a registry passed in labels its other metrics too. Serve it with
 * `registry.metrics()` (text format `registry.contentType`), or with {@link startProbeServer}.
 *
 * @param options - the node, its bus and what else to read
 * @returns the registry
 */
export function createNodeMetrics(options: NodeMetricsOptions): Registry {
  const { events, node, pool } = options;
  const registry = options.registry ?? new Registry();
  registry.setDefaultLabels({ node: node.id });
  const registers = [registry];
  const counter = (name: string, help: string, labelNames: string[] = []): Counter =>
    new Counter({ name, help, labelNames, registers });

  const started = counter('rookery_tasks_started_total', 'Attempts started on this node, by executor.', ['executor']);
  const completed = counter('rookery_tasks_completed_total', 'Tasks completed on this node, by executor.', [
    'executor',
  ]);
  const failed = counter('rookery_tasks_failed_total', 'Tasks failed for good on this node, by executor.', [
    'executor',
  ]);
  const retried = counter('rookery_tasks_retried_total', 'Failed attempts that will be retried, by executor.', [
    'executor',
  ]);
  const skipped = counter(
    'rookery_tasks_skipped_total',
    'Tasks skipped (schedule busy) or coalesced instead of started, by executor.',
    ['executor'],
  );
  const missed = counter('rookery_tasks_missed_total', 'Tasks missed (deadline passed before a start), by executor.', [
    'executor',
  ]);
  const timedOut = counter('rookery_tasks_timed_out_total', 'Attempts aborted at their timeout, by executor.', [
    'executor',
  ]);
  const leasesLost = counter(
    'rookery_leases_lost_total',
    'Running attempts whose lease this node lost (aborted, nothing committed).',
  );
  const repairPasses = counter('rookery_repair_passes_total', 'Repair passes this node finished.');
  const repaired = counter(
    'rookery_repaired_tasks_total',
    'Tasks of dead nodes this node moved on in its repair passes.',
  );
  const errors = counter('rookery_errors_total', 'Unexpected errors (generalError events), by source.', ['source']);
  const startLateness = new Histogram({
    name: 'rookery_task_start_lateness_seconds',
    help: 'Time from a task falling due (its fire time plus jitter, or its retry time) to its attempt starting, by executor.',
    labelNames: ['executor'],
    buckets: [...LATENESS_BUCKETS_SECONDS],
    registers,
  });
  const duration = new Histogram({
    name: 'rookery_task_run_duration_seconds',
    help: 'Run time of attempts that ended on this node, by executor and outcome (completed, failed, retried).',
    labelNames: ['executor', 'outcome'],
    buckets: [...DURATION_BUCKETS_SECONDS],
    registers,
  });
  new Gauge({
    name: 'rookery_clock_offset_seconds',
    help: "This node's clock minus the database clock, as measured at its last heartbeat.",
    registers,
    collect() {
      this.set(node.clockOffset * SECONDS_PER_MS);
    },
  });
  new Gauge({
    name: 'rookery_pool_running',
    help: 'Worker slots in use: attempts running on this node now.',
    registers,
    collect() {
      this.set(node.runningCount);
    },
  });
  if (pool) {
    new Gauge({
      name: 'rookery_pool_size',
      help: "Worker slots of this node's pool (in use plus free; an autoscaling pool's current size).",
      registers,
      collect() {
        this.set(pool.running() + pool.freeTotal());
      },
    });
  }
  if (options.backlog) {
    const readBacklog = createBacklogReader(options.backlog);
    new Gauge({
      name: 'rookery_tasks_due_backlog',
      help: 'Pending tasks already due and not started, cluster-wide (read from the database at most once per cache period, capped).',
      registers,
      async collect() {
        const value = await readBacklog();
        if (value !== null) this.set(value);
      },
    });
  }

  const ended = (outcome: string) => (task: Task) => {
    const seconds = runTime(task);
    if (seconds !== null) duration.observe({ executor: task.executor, outcome }, seconds);
  };
  events.on('taskStarted', (task) => {
    started.inc({ executor: task.executor });
    const seconds = lateness(task);
    if (seconds !== null) startLateness.observe({ executor: task.executor }, seconds);
  });
  events.on('taskCompleted', (task) => {
    completed.inc({ executor: task.executor });
    ended('completed')(task);
  });
  events.on('taskFailed', (task) => {
    failed.inc({ executor: task.executor });
    ended('failed')(task);
  });
  events.on('taskRetried', (task) => {
    retried.inc({ executor: task.executor });
    ended('retried')(task);
  });
  events.on('taskSkipped', (task) => (task.state === 'missed' ? missed : skipped).inc({ executor: task.executor }));
  events.on('taskTimedOut', (task) => timedOut.inc({ executor: task.executor }));
  events.on('leaseLost', () => leasesLost.inc());
  events.on('repairFinished', (_nodeId, tasks) => {
    repairPasses.inc();
    repaired.inc(tasks.length);
  });
  events.on('generalError', (_error, context) => errors.inc({ source: context.source }));
  return registry;
}
