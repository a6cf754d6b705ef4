import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { RookeryNode } from '@rookery/core';
import { createSqlDatastore, type SqlDatastore } from '@rookery/datastore-sql';
import { functionExecutors, WorkerPool, type TaskFunctionModule } from '@rookery/executor';
import { createEventBus, waitFor } from '@rookery/messaging';
import { runCli } from '../src/program.js';

/** What one in-process command line printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command line in-process, capturing its output. */
export async function cli(args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: {},
  });
  return { code, stdout, stderr };
}

/** Runs a command line that must print JSON and succeed; returns the parsed JSON. */
export async function cliJson<T = unknown>(args: string[]): Promise<T> {
  const r = await cli(args);
  if (r.code !== 0) throw new Error(`rookery ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** A database URL of a fresh SQLite file in a temp directory. */
export function freshDb(): string {
  return `sqlite:${join(mkdtempSync(join(tmpdir(), 'rookery-cli-test-')), 'test.db')}`;
}

/**
 * Runs a job on an in-process node until each of `until` has been emitted once: migrates `db`,
 * starts the node with `functions`, runs `rookery job add` with `add` (which must name the job
 * `job`), waits, then pauses the job and stops the node. Returns the open datastore.
 */
export async function runJobOnNode(
  db: string,
  options: {
    nodeId: string;
    functions: TaskFunctionModule;
    job: string;
    add: string[];
    until: ('taskCompleted' | 'taskSkipped')[];
  },
): Promise<SqlDatastore> {
  expect((await cli(['migrate', '--db', db])).code).toBe(0);
  const store = await createSqlDatastore({ url: db });
  const events = createEventBus();
  const node = new RookeryNode({
    datastore: store,
    events,
    executors: functionExecutors(options.functions),
    pool: new WorkerPool({ concurrency: 2 }),
    id: options.nodeId,
    pollWaitsMs: [50],
  });
  await node.start();
  try {
    const seen = options.until.map((event) => waitFor(events, event, () => true, 15_000));
    const add = await cli(['job', 'add', '--db', db, '--name', options.job, ...options.add]);
    expect(add.stderr).toBe('');
    await Promise.all(seen);
    await cli(['job', 'pause', options.job, '--db', db]);
  } finally {
    await node.stop({ graceMs: 5_000 });
  }
  return store;
}
