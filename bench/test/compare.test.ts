import { describe, expect, it } from 'vitest';
import { startBusyLoops } from '../src/busy-loops.js';
import { comparisonTable, formatComparison } from '../src/compare-table.js';
import { failoverFigures, type FailoverRecord } from '../src/failover.js';
import { parseBenchOptions, type BenchOptions } from '../src/options.js';
import { unsupported } from '../src/peers/peer.js';
import type { PeerResult } from '../src/peers/peer-result.js';
import { peerJobs, peerSchedules } from '../src/peers/peer-workloads.js';
import type { BenchResult } from '../src/result.js';
import { dueInputs } from '../src/workloads.js';

function options(args: string[]): BenchOptions {
  const parsed = parseBenchOptions(args);
  if (!parsed) throw new Error('no options');
  return parsed;
}

const none = { count: 0, p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, max: Number.NaN };

function rookery(overrides: Partial<BenchResult> = {}): BenchResult {
  return {
    workload: 'burst',
    db: 'sqlite',
    nodes: 3,
    concurrency: 20,
    parameters: { tasks: 2_000, taskMs: 0, busyLoops: null },
    created: { schedules: 0, jobs: 2_000, ms: 100 },
    expected: 2_000,
    completed: 2_000,
    durationMs: 1_000,
    tasksPerSecond: 2_000,
    latenessMs: { count: 2_000, p50: 10, p95: 20, p99: 30, max: 40 },
    dbTransactions: null,
    nodeCpu: { perTaskMs: 0.5, perSecondMs: 1_000 },
    dbCpu: null,
    nodePeakRssMiB: {},
    lost: 0,
    duplicated: 0,
    reruns: 0,
    recoveryMs: null,
    failover: null,
    generalErrors: 0,
    warnings: [],
    ...overrides,
  };
}

function peer(overrides: Partial<PeerResult> = {}): PeerResult {
  return {
    peer: 'pg-boss',
    version: '10.4.2',
    skipped: null,
    server: 'PostgreSQL 127.0.0.1:5432',
    settings: { 'per process': 'batchSize 20' },
    created: { jobs: 2_000, schedules: 0, ms: 50 },
    expected: 2_000,
    completed: 2_000,
    durationMs: 4_000,
    tasksPerSecond: 500,
    latenessMs: { count: 2_000, p50: 100, p95: 200, p99: 300, max: 400 },
    serverCounter: { source: 'xact_commit', perTask: 1.5, perSecond: 750 },
    nodeCpu: { perTaskMs: 0.25, perSecondMs: 125 },
    dbCpu: { perTaskMs: 0.1, perSecondMs: 50, processes: 10 },
    lost: 0,
    reruns: 0,
    failover: null,
    generalErrors: 0,
    warnings: [],
    ...overrides,
  };
}

describe('the comparison table', () => {
  it('has a column per system and a row per figure, and says where each ran', () => {
    const table = comparisonTable(rookery(), [
      peer(),
      peer({
        peer: 'bullmq',
        version: '6.7.6 (ioredis 6.1.0)',
        server: 'Redis 127.0.0.1:6379',
        serverCounter: null,
        dbCpu: null,
      }),
    ]);
    expect(table.title).toBe(
      'burst: 3 process(es) × 20 concurrency each; Rookery on SQLite; pg-boss on PostgreSQL 127.0.0.1:5432; BullMQ on Redis 127.0.0.1:6379',
    );
    expect(table.cells[0]).toEqual(['figure', 'Rookery', 'pg-boss 10.4.2', 'bullmq 6.7.6']);
    const rows = new Map(table.cells.slice(1).map(([name = '', ...values]) => [name, values]));
    expect([...rows.keys()]).toEqual([
      'tasks completed / due',
      'tasks/s',
      'start lateness p50 / p95 / p99 / max ms',
      'db transactions per task (Redis: commands)',
      'node CPU ms per task',
      'db server CPU ms per task',
      'lost',
      'reruns',
      'generalErrors',
    ]);
    expect(rows.get('tasks/s')).toEqual(['2,000.0', '500.0', '500.0']);
    expect(rows.get('db transactions per task (Redis: commands)')).toEqual(['n/a', '1.50', 'n/a']);
    expect(table.notes).toEqual([
      'pg-boss settings: per process: batchSize 20',
      'bullmq settings: per process: batchSize 20',
    ]);
  });

  it('fills a skipped peer with dashes and gives the reason; adds the failover rows and the busy loops', () => {
    const failover = {
      held: 3,
      latestUnheldLatenessMs: 250,
      restartMs: { count: 3, p50: 10_100, p95: 10_200, p99: 10_200, max: 10_200 },
      notRestarted: 0,
    };
    const table = comparisonTable(rookery({ workload: 'failover', failover, parameters: { busyLoops: 2 } }), [
      peer({ peer: 'graphile-worker', version: null, skipped: 'graphile-worker is not installed', latenessMs: none }),
    ]);
    expect(table.title).toMatch(/^failover: 3 process\(es\) × 20 concurrency each, 2 busy loop\(s\) beside;/);
    const rows = new Map(table.cells.slice(1).map(([name = '', ...values]) => [name, values]));
    expect(rows.get('tasks/s')).toEqual(['2,000.0', '—']);
    expect(rows.get('latest start lateness of a task not held by the killed process, ms')).toEqual(['250', '—']);
    expect(rows.get('tasks held by the killed process / not restarted')).toEqual(['3 / 0', '—']);
    expect(table.notes).toEqual(['graphile-worker: skipped: graphile-worker is not installed']);
  });

  it('prints the title, right-aligned value columns under a rule, then the notes', () => {
    const text = formatComparison({
      title: 'T',
      cells: [
        ['figure', 'A', 'Bee'],
        ['x', '1', '22'],
        ['longer', '333', '4'],
      ],
      notes: ['n'],
    });
    expect(text.split('\n')).toEqual([
      'T',
      'figure    A  Bee',
      '------  ---  ---',
      'x         1   22',
      'longer  333    4',
      'n',
    ]);
  });
});

describe('failoverFigures', () => {
  const rec = (
    kind: 'start' | 'end',
    nodeId: string,
    taskId: string,
    fireAt: number,
    at: number,
    attempt = 1,
  ): FailoverRecord => ({ kind, nodeId, taskId, scheduleId: null, fireAt, attempt, at });

  it('splits the killed process held tasks from the others, and times their restarts from the kill', () => {
    const figures = failoverFigures(
      [
        rec('start', 'a', 't1', 0, 10),
        rec('end', 'a', 't1', 0, 20),
        rec('start', 'a', 't2', 0, 30), // held: no end on a
        rec('start', 'b', 't3', 0, 40),
        rec('end', 'b', 't3', 0, 50),
        rec('start', 'a', 't4', 0, 60), // held, never restarted
        rec('start', 'b', 't5', 100, 5_000, 2), // claimed by a without a start: attempt 2 after the kill
        rec('start', 'b', 't2', 0, 2_000, 2),
        rec('start', 'c', 't6', 1_000, 1_300),
      ],
      'a',
      1_000,
    );
    expect(figures).toEqual({
      held: 3,
      latestUnheldLatenessMs: 300,
      restartMs: { count: 2, p50: 1_000, p95: 4_000, p99: 4_000, max: 4_000 },
      notRestarted: 1,
    });
  });

  it('is NaN for the latest lateness when every task was held', () => {
    expect(failoverFigures([rec('start', 'a', 't1', 0, 10)], 'a', 100).latestUnheldLatenessMs).toBeNaN();
  });
});

describe('the peers workloads', () => {
  it('are due when Rookery is', () => {
    const o = options(['--workload', 'failover', '--tasks', '40', '--seconds', '4']);
    const jobs = peerJobs(o, 1_000);
    expect(jobs.map((j) => j.fireAt)).toEqual(
      dueInputs(o, 1_000).map((s) => (s.trigger.kind === 'once' ? s.trigger.at : Number.NaN)),
    );
    expect(jobs[1]).toEqual({ id: 'j1', fireAt: 1_100, ms: 100 });
    expect(peerJobs(options(['--tasks', '3']), 7)).toEqual([0, 1, 2].map((i) => ({ id: `j${i}`, fireAt: 7, ms: 0 })));
    expect(peerSchedules(options(['--workload', 'recurring', '--schedules', '2', '--seconds', '5']), 9)).toEqual([
      { id: 's0', startAt: 9, everyMs: 1_000, cron: null, count: 5, ms: 0 },
      { id: 's1', startAt: 9, everyMs: 1_000, cron: null, count: 5, ms: 0 },
    ]);
    expect(peerSchedules(options(['--workload', 'cron', '--schedules', '1', '--seconds', '90']), 120_000)).toEqual([
      { id: 'c0', startAt: 120_000, everyMs: 60_000, cron: '* * * * *', count: 2, ms: 0 },
    ]);
  });

  it('skip the workloads a peer cannot run', () => {
    const pgBoss = { name: 'pg-boss', schedulesEveryMs: 60_000, cronSchedules: 'one schedule per queue' } as const;
    const bullmq = { name: 'bullmq', schedulesEveryMs: 1, cronSchedules: true } as const;
    expect(unsupported(pgBoss, 'recurring')).toMatch(/at most once every 60 s \(cron\), not every second/);
    expect(unsupported(pgBoss, 'cron')).toBe('one schedule per queue');
    expect(unsupported(pgBoss, 'spread')).toBeUndefined();
    expect(unsupported(bullmq, 'recurring')).toBeUndefined();
    expect(unsupported(bullmq, 'cron')).toBeUndefined();
    expect(unsupported(bullmq, 'stored')).toMatch(/not compared/);
  });
});

describe('busy loops', () => {
  it('start one process per loop and end them all', async () => {
    const busy = startBusyLoops(2);
    expect(busy.pids).toHaveLength(2);
    await busy.stop();
    for (const pid of busy.pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});
