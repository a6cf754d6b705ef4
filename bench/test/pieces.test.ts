import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dialectOf } from '../src/databases.js';
import { counterDelta, serverProcessNames } from '../src/db-counters.js';
import { HistoryTail, occurrenceOf } from '../src/history-tail.js';
import { parseBenchOptions, type BenchOptions } from '../src/options.js';
import { cpuBetween, cpuMs, peakRssBytes } from '../src/procfs.js';
import { dueInputs, dueJobs, dueScheduleCount, expectedWork, firstDueAt, storedInputs } from '../src/workloads.js';

function options(args: string[]): BenchOptions {
  const parsed = parseBenchOptions(args);
  if (!parsed) throw new Error('no options');
  return parsed;
}

describe('databases and their counters', () => {
  it('tells the dialect from --db', () => {
    expect(dialectOf('sqlite')).toBe('sqlite');
    expect(dialectOf('postgres://postgres@127.0.0.1:5432/postgres')).toBe('postgres');
    expect(dialectOf('postgresql://x@h/db')).toBe('postgres');
    expect(dialectOf('mysql://root@127.0.0.1:3306/mysql')).toBe('mariadb');
    expect(dialectOf('mariadb://root@127.0.0.1:3306/mysql')).toBe('mariadb');
    expect(() => dialectOf('sqlite:./x.db')).toThrow(/--db must be/);
  });

  it('finds the server processes only on this machine', () => {
    const db = (dialect: 'sqlite' | 'postgres' | 'mariadb', url: string) => ({
      dialect,
      url,
      name: 'x',
      drop: async () => undefined,
    });
    expect(serverProcessNames(db('postgres', 'postgres://u@127.0.0.1:5432/x'))).toEqual(['postgres']);
    expect(serverProcessNames(db('mariadb', 'mysql://u@localhost:3306/x'))).toEqual(['mariadbd', 'mysqld']);
    expect(serverProcessNames(db('postgres', 'postgres://u@db.internal:5432/x'))).toBeUndefined();
    expect(serverProcessNames(db('sqlite', 'sqlite:/tmp/x.db'))).toBeUndefined();
  });

  it('takes counter deltas counter by counter', () => {
    expect(counterDelta({ Com_commit: 10, Handler_commit: 100 }, { Com_commit: 15, Handler_commit: 160 })).toEqual({
      Com_commit: 5,
      Handler_commit: 60,
    });
  });
});

describe('/proc readings', () => {
  it('reads this process: CPU used and a peak RSS; nothing for a pid that is not there', () => {
    expect(cpuMs(process.pid)).toBeGreaterThan(0);
    expect(peakRssBytes(process.pid)).toBeGreaterThan(1 << 20);
    expect(cpuMs(2 ** 22 + 12_345)).toBeUndefined();
  });

  it('sums growth, counts a new process whole, and drops one that ended', () => {
    const before = new Map([
      [1, 100],
      [2, 50],
    ]);
    const after = new Map([
      [1, 130],
      [3, 20],
    ]);
    expect(cpuBetween(before, after)).toBe(50);
  });
});

describe('HistoryTail', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads only whole lines, and what was appended since its last poll', () => {
    dir = mkdtempSync(join(tmpdir(), 'bench-tail-'));
    const file = join(dir, 'history.jsonl');
    const tail = new HistoryTail(file);
    tail.poll();
    expect(tail.records).toEqual([]);
    const record = (kind: 'start' | 'end', fireAt: number) =>
      JSON.stringify({
        kind,
        nodeId: 'b1',
        taskId: `t${fireAt}`,
        scheduleId: 's',
        fireAt,
        attempt: 1,
        fence: 1,
        at: fireAt,
        ...(kind === 'end' ? { ok: true } : {}),
      });
    const second = record('end', 1);
    appendFileSync(file, `${record('start', 1)}\n${second.slice(0, 10)}`);
    tail.poll();
    expect(tail.records).toHaveLength(1);
    expect(tail.completed).toBe(0);
    appendFileSync(file, `${second.slice(10)}\n${record('end', 1)}\n`);
    tail.poll();
    expect(tail.records).toHaveLength(3);
    expect(tail.completed).toBe(1);
  });

  it('skips the records its filter does not accept', () => {
    dir = mkdtempSync(join(tmpdir(), 'bench-tail-'));
    const file = join(dir, 'history.jsonl');
    const tail = new HistoryTail(file, (r) => r.fireAt >= 10);
    const line = (fireAt: number) =>
      JSON.stringify({
        kind: 'end',
        ok: true,
        nodeId: 'p1',
        taskId: `t${fireAt}`,
        scheduleId: 'c0',
        fireAt,
        attempt: 1,
        fence: 0,
        at: fireAt,
      });
    appendFileSync(file, `${line(5)}\n${line(10)}\n`);
    tail.poll();
    expect(tail.records.map((r) => r.fireAt)).toEqual([10]);
    expect(tail.completed).toBe(1);
  });

  it('counts a job (no schedule) by its task, and a schedule occurrence by its fire time', () => {
    expect(occurrenceOf({ scheduleId: null, fireAt: 5, taskId: 'a' })).not.toBe(
      occurrenceOf({ scheduleId: null, fireAt: 5, taskId: 'b' }),
    );
    expect(occurrenceOf({ scheduleId: 's', fireAt: 5, taskId: 'a' })).toBe(
      occurrenceOf({ scheduleId: 's', fireAt: 5, taskId: 'b' }),
    );
  });
});

describe('workloads', () => {
  const t0 = Date.UTC(2030, 0, 1);

  it('burst: M jobs all due at t0, and no schedules', () => {
    const o = options(['--tasks', '50']);
    const jobs = dueJobs(o, t0);
    expect(jobs).toHaveLength(50);
    expect(dueInputs(o, t0)).toEqual([]);
    expect(dueScheduleCount(o)).toBe(50);
    expect(new Set(jobs.map((j) => j.runAt))).toEqual(new Set([t0]));
    expect(expectedWork(o, t0)).toEqual({ count: 50, lastDueAt: t0 });
  });

  it('spread: M jobs from t0 evenly over W seconds, the last one named by expectedWork', () => {
    const o = options(['--workload', 'spread', '--tasks', '40', '--seconds', '4']);
    expect(dueInputs(o, t0)).toEqual([]);
    const ats = dueJobs(o, t0).map((j) => Number(j.runAt));
    expect(ats[0]).toBe(t0);
    expect(ats[1]).toBe(t0 + 100);
    expect(Math.max(...ats)).toBe(expectedWork(o, t0).lastDueAt);
    expect(expectedWork(o, t0).lastDueAt).toBeLessThan(t0 + 4_000);
  });

  it('failover: M one-shot schedules from t0 evenly over W seconds, and no jobs', () => {
    const o = options(['--workload', 'failover', '--tasks', '40', '--seconds', '4']);
    expect(dueJobs(o, t0)).toEqual([]);
    const ats = dueInputs(o, t0).map((i) => (i.trigger.kind === 'once' ? Number(i.trigger.at) : Number.NaN));
    expect([ats[0], ats[1], Math.max(...ats)]).toEqual([t0, t0 + 100, expectedWork(o, t0).lastDueAt]);
  });

  it('recurring: K every-second schedules with W fire times each', () => {
    const o = options(['--workload', 'recurring', '--schedules', '3', '--seconds', '5']);
    const inputs = dueInputs(o, t0);
    expect(inputs).toHaveLength(3);
    expect(inputs[0]).toMatchObject({
      trigger: { kind: 'interval', everyMs: 1_000, anchor: t0 },
      startAt: t0,
      endAt: t0 + 4_000,
    });
    expect(expectedWork(o, t0)).toEqual({ count: 15, lastDueAt: t0 + 4_000 });
  });

  it("cron: K '* * * * *' schedules from the start of a minute, firing once a minute for W / 60 minutes rounded up", () => {
    const o = options(['--workload', 'cron', '--schedules', '4', '--seconds', '90']);
    expect(parseBenchOptions(['--workload', 'cron'])).toMatchObject({ schedules: 1_000, seconds: 60 });
    expect(firstDueAt(o, 120_001)).toBe(180_000);
    expect(firstDueAt(o, 180_000)).toBe(180_000);
    expect(firstDueAt(options([]), 120_001)).toBe(120_001);
    const inputs = dueInputs(o, 180_000);
    expect(inputs).toHaveLength(4);
    expect(inputs[0]).toMatchObject({
      name: 'cron-0',
      trigger: { kind: 'cron', expr: '* * * * *', tz: 'UTC' },
      startAt: 180_000,
      endAt: 240_000,
    });
    expect(expectedWork(o, 180_000)).toEqual({ count: 8, lastDueAt: 240_000 });
    expect(dueScheduleCount(o)).toBe(4);
  });

  it('stored: schedules that start years ahead, and a few due every second', () => {
    const o = options(['--workload', 'stored', '--schedules', '1000', '--due', '2', '--seconds', '3']);
    const stored = storedInputs(10, 20, t0);
    expect(stored.map((s) => s.name)).toEqual(Array.from({ length: 10 }, (_, i) => `stored-${10 + i}`));
    expect(stored.every((s) => typeof s.startAt === 'number' && s.startAt > t0 + 9 * 365 * 86_400_000)).toBe(true);
    expect(dueInputs(o, t0)).toHaveLength(2);
    expect(expectedWork(o, t0)).toEqual({ count: 6, lastDueAt: t0 + 2_000 });
  });
});
