import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../src/result.js';
import { formatNumber, formatTable, resultRows } from '../src/table.js';

function result(overrides: Partial<BenchResult> = {}): BenchResult {
  return {
    workload: 'burst',
    db: 'postgres',
    nodes: 3,
    concurrency: 20,
    parameters: { tasks: 20_000, seconds: null, taskMs: 0, leaseMs: null },
    created: { schedules: 20_000, jobs: 0, ms: 1_234 },
    expected: 20_000,
    completed: 20_000,
    durationMs: 10_000,
    tasksPerSecond: 2_000,
    latenessMs: { count: 20_000, p50: 120, p95: 900, p99: 1_500, max: 2_100 },
    dbTransactions: {
      source: 'pg_stat_database.xact_commit of the run database',
      perTask: 3.25,
      perSecond: 6_500,
      counters: { xact_commit: 65_000 },
    },
    nodeCpu: { perTaskMs: 0.75, perSecondMs: 1_500 },
    dbCpu: { perTaskMs: 0.5, perSecondMs: 1_000, processes: 9 },
    nodePeakRssMiB: { b1: 120.25, b2: 118, b3: 119.5 },
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

describe('formatNumber', () => {
  it('groups thousands, rounds to the digits asked for, and says n/a for NaN', () => {
    expect(formatNumber(1_234_567)).toBe('1,234,567');
    expect(formatNumber(3.14159, 2)).toBe('3.14');
    expect(formatNumber(Number.NaN)).toBe('n/a');
  });
});

describe('the bench table', () => {
  it('has one row per figure, in print order, with the values formatted', () => {
    const rows = new Map(resultRows(result()));
    expect([...rows.keys()]).toEqual([
      'workload',
      'created (bulk)',
      'tasks completed / due',
      'tasks/s',
      'start lateness p50 / p95 / p99 / max',
      'db transactions per task',
      'node CPU ms per task',
      'db server CPU ms per task',
      'node RSS peak MiB',
      'lost',
      'duplicated',
      'reruns (at-least-once)',
      'generalErrors',
    ]);
    expect(rows.get('workload')).toBe('burst on postgres, 3 node(s) × 20 slots; tasks 20,000, taskMs 0');
    expect(rows.get('tasks/s')).toMatch(/^2,000\.0 /);
    expect(rows.get('start lateness p50 / p95 / p99 / max')).toBe('120 / 900 / 1,500 / 2,100 ms');
    expect(rows.get('db transactions per task')).toMatch(/^3\.25 \(6,500\.0\/s; pg_stat_database/);
    expect(rows.get('node RSS peak MiB')).toBe('b1 120.3, b2 118.0, b3 119.5');
  });

  it('says n/a where SQLite has no counter or server, and adds recovery and warnings when there are some', () => {
    const rows = resultRows(
      result({
        db: 'sqlite',
        dbTransactions: null,
        dbCpu: null,
        latenessMs: { count: 0, p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, max: Number.NaN },
        recoveryMs: { count: 4, p50: 2_100, p95: 2_400, p99: 2_400, max: 2_400 },
        failover: {
          held: 4,
          latestUnheldLatenessMs: 320,
          restartMs: { count: 4, p50: 2_100, p95: 2_400, p99: 2_400, max: 2_400 },
          notRestarted: 0,
        },
        warnings: ['timed out'],
      }),
    );
    const byName = new Map(rows);
    expect(byName.get('db transactions per task')).toMatch(/^n\/a/);
    expect(byName.get('db server CPU ms per task')).toMatch(/^n\/a/);
    expect(byName.get('start lateness p50 / p95 / p99 / max')).toBe('n/a (no samples) ms');
    expect(byName.get("killed node's tasks restarted p50 / p95 / p99 / max")).toBe(
      '2,100 / 2,400 / 2,400 / 2,400 ms after the kill',
    );
    expect(byName.get('latest start lateness of a task not held by the killed node')).toBe(
      '320 ms (the killed node held 4)',
    );
    expect(rows.at(-1)).toEqual(['warning', 'timed out']);
  });

  it('aligns the values in a second column under a header', () => {
    const text = formatTable([
      ['a', '1'],
      ['longer name', '2'],
    ]);
    expect(text.split('\n')).toEqual(['figure       value', '-----------  -----', 'a            1', 'longer name  2']);
  });
});
