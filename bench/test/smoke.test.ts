import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import type { BenchResult } from '../src/result.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

// The command as users run it, at the smallest size: one node, 200 one-shots on SQLite (a few seconds).
it('npm run bench -- --workload burst --tasks 200 --nodes 1 runs every task once, prints the table and writes the checked history', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rookery-bench-smoke-'));
  const historyOut = join(dir, 'history.json');
  const { stdout } = await promisify(execFile)(
    'npm',
    [
      'run',
      '--silent',
      'bench',
      '--',
      '--workload',
      'burst',
      '--tasks',
      '200',
      '--nodes',
      '1',
      '--json',
      '--history-out',
      historyOut,
    ],
    {
      cwd: root,
      maxBuffer: 16 << 20,
    },
  );
  const history = JSON.parse(await readFile(historyOut, 'utf8')) as {
    records: { kind: string }[];
    events: unknown[];
    report: { lost: unknown[] };
  };
  await rm(dir, { recursive: true, force: true });
  expect(history.records.filter((r) => r.kind === 'start')).toHaveLength(200);
  expect(history.events.length).toBeGreaterThanOrEqual(600); // created, started, completed
  expect(history.report.lost).toEqual([]);
  const lines = stdout.trim().split('\n');
  const result = JSON.parse(lines.at(-1) ?? '') as BenchResult;
  expect(result).toMatchObject({
    workload: 'burst',
    db: 'sqlite',
    nodes: 1,
    expected: 200,
    completed: 200,
    lost: 0,
    duplicated: 0,
    generalErrors: 0,
    dbTransactions: null,
  });
  expect(result.latenessMs.count).toBe(200);
  expect(result.tasksPerSecond).toBeGreaterThan(0);
  expect(result.nodePeakRssMiB['b1']).toBeGreaterThan(10);
  expect(result.nodeCpu.perTaskMs).toBeGreaterThan(0);
  expect(stdout).toContain('start lateness p50 / p95 / p99 / max');
}, 60_000);
