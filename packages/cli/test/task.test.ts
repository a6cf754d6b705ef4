import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlDatastore } from '@rookery/datastore-sql';
import { cli, cliJson, freshDb, runJobOnNode } from './helpers.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('rookery task and nodes on a running cluster', () => {
  const db = freshDb();
  let store: SqlDatastore | undefined;

  beforeAll(async () => {
    store = await runJobOnNode(db, {
      nodeId: 'cli-test-node',
      functions: { 'test-echo': async (ctx) => ({ fence: ctx.task.fence }) },
      job: 'tick',
      add: ['--exec', 'test-echo', '--every', '1s'],
      until: ['taskCompleted'],
    });
  });

  afterAll(async () => {
    await store?.close();
  });

  it('task ls --json gives an array of tasks with ISO instants', async () => {
    const tasks = await cliJson<Record<string, unknown>[]>(['task', 'ls', '--json', '--job', 'tick', '--db', db]);
    expect(tasks.length).toBeGreaterThan(0);
    const done = tasks.find((t) => t.state === 'completed');
    expect(done).toBeDefined();
    expect(done).toMatchObject({ attempt: 1, nodeId: 'cli-test-node', executor: 'test-echo' });
    for (const key of ['id', 'scheduleId', 'fireAt', 'attempt', 'state', 'nodeId', 'startedAt', 'endedAt'])
      expect(done).toHaveProperty(key);
    for (const key of ['fireAt', 'startedAt', 'endedAt', 'dueAt', 'createdAt'])
      expect(String(done?.[key])).toMatch(ISO);

    const completedOnly = await cliJson<{ state: string }[]>([
      'task',
      'ls',
      '--json',
      '--state',
      'completed',
      '--limit',
      '1',
      '--db',
      db,
    ]);
    expect(completedOnly).toHaveLength(1);
    expect(completedOnly[0]?.state).toBe('completed');
  });

  it('task ls prints an aligned table and refuses an unknown state', async () => {
    const table = await cli(['task', 'ls', '--db', db]);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+JOB\s+FIRE AT\s+STATE\s+ATTEMPT\s+NODE\s+STARTED\s+ENDED$/);
    const bad = await cli(['task', 'ls', '--state', 'done', '--db', db]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --state: unknown task state 'done'/);
  });

  it('task cancel leaves a finished task as it is and refuses an unknown one', async () => {
    const [done] = await cliJson<{ id: string }[]>([
      'task',
      'ls',
      '--json',
      '--state',
      'completed',
      '--limit',
      '1',
      '--db',
      db,
    ]);
    const out = await cli(['task', 'cancel', String(done?.id), '--reason', 'too late', '--db', db]);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(`task ${String(done?.id)} is already completed; nothing to cancel\n`);
    expect((await cli(['task', 'cancel', '0195a8f0-0000-7000-8000-000000000000', '--db', db])).code).toBe(1);
  });

  it('task show gives the task and its state transitions', async () => {
    const [first] = await cliJson<{ id: string }[]>(['task', 'ls', '--json', '--state', 'completed', '--db', db]);
    const shown = await cliJson<{
      id: string;
      state: string;
      events: { from: string | null; to: string; at: string; nodeId: string | null }[];
    }>(['task', 'show', String(first?.id), '--json', '--db', db]);
    expect(shown.id).toBe(first?.id);
    expect(shown.events.map((e) => e.to)).toEqual(expect.arrayContaining(['pending', 'running', 'completed']));
    expect(shown.events.at(-1)).toMatchObject({ to: 'completed', nodeId: 'cli-test-node' });
    const text = await cli(['task', 'show', String(first?.id), '--db', db]);
    expect(text.stdout).toMatch(/state\s+completed/);
    expect(text.stdout).toMatch(/\nAT\s+FROM\s+TO\s+NODE\s+FENCE\s+REASON\n/);
    expect((await cli(['task', 'show', 'no-such-task', '--db', db])).code).toBe(1);
  });

  it('nodes --json lists the node with its executors', async () => {
    const nodes = await cliJson<Record<string, unknown>[]>(['nodes', '--json', '--db', db]);
    expect(nodes).toHaveLength(1);
    expect(nodes[0]).toMatchObject({
      id: 'cli-test-node',
      executors: ['test-echo'],
      pid: process.pid,
      status: 'stopped',
    });
    expect(String(nodes[0]?.startedAt)).toMatch(ISO);
    expect(String(nodes[0]?.stoppedAt)).toMatch(ISO);
    expect((await cli(['nodes', '--db', db])).stdout).toMatch(/^ID\s+STATUS\s+HOST/);
  });
});
