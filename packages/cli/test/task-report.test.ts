import { afterEach, describe, expect, it } from 'vitest';
import { RookeryNode, type Task } from '@rookery/core';
import { createSqlDatastore, type SqlDatastore } from '@rookery/datastore-sql';
import { functionExecutors, WorkerPool } from '@rookery/executor';
import { createEventBus, waitFor } from '@rookery/messaging';
import { parseReport } from '../src/commands/task-report.js';
import { cli, cliJson, freshDb } from './helpers.js';

describe('parseReport', () => {
  it('reads --completed with an optional JSON result, or --failed with --retryable', () => {
    expect(parseReport({ execution: 'e', completed: true })).toEqual({ state: 'completed', result: null });
    expect(parseReport({ execution: 'e', completed: true, result: '{"rows":3}' })).toEqual({
      state: 'completed',
      result: { rows: 3 },
    });
    expect(parseReport({ execution: 'e', failed: 'oom' })).toEqual({ state: 'failed', error: 'oom', retryable: false });
    expect(parseReport({ execution: 'e', failed: 'oom', retryable: true })).toEqual({
      state: 'failed',
      error: 'oom',
      retryable: true,
    });
  });

  it('refuses contradictions and bad JSON, naming the option', () => {
    expect(() => parseReport({ execution: 'e' })).toThrow(/completed: give exactly one of --completed and --failed/);
    expect(() => parseReport({ execution: 'e', completed: true, failed: 'x' })).toThrow(/exactly one/);
    expect(() => parseReport({ execution: 'e', completed: true, result: '{' })).toThrow(/^result: not valid JSON/);
    expect(() => parseReport({ execution: 'e', failed: 'x', result: '1' })).toThrow(/^result: /);
    expect(() => parseReport({ execution: 'e', completed: true, retryable: true })).toThrow(/^retryable: /);
  });
});

describe('rookery task report', () => {
  let store: SqlDatastore | undefined;
  let node: RookeryNode | undefined;

  afterEach(async () => {
    await node?.stop({ graceMs: 1_000 });
    await store?.close();
  });

  it("stores an outcome for the task's current execution only; the node holding the task commits it", async () => {
    const db = freshDb();
    expect((await cli(['migrate', '--db', db])).code).toBe(0);
    store = await createSqlDatastore({ url: db });
    const events = createEventBus();
    const errors: Error[] = [];
    events.on('generalError', (e) => errors.push(e));
    // A framework that reports by message only: the node can learn the outcome from nowhere else.
    const executors = functionExecutors({
      framework: {
        start: async (ctx) => ({ kind: 'external', executionId: `run-${ctx.task.fence}`, reports: 'message' }),
      },
    });
    node = new RookeryNode({
      datastore: store,
      events,
      executors,
      pool: new WorkerPool({ concurrency: 2 }),
      id: 'report-node',
      leaseMs: 3_000,
      pollWaitsMs: [50],
    });
    await node.start();
    expect(
      (
        await cli([
          'job',
          'add',
          '--db',
          db,
          '--name',
          'external',
          '--exec',
          'framework',
          '--at',
          new Date().toISOString(),
        ])
      ).stderr,
    ).toBe('');

    let running: Task | undefined;
    for (let i = 0; i < 200 && !running?.executionId; i += 1) {
      await new Promise((r) => setTimeout(r, 50));
      [running] = await store.taskList({ states: ['running'] });
    }
    expect(running).toMatchObject({ executionId: 'run-1' });
    const id = running?.id ?? '';

    const wrong = await cli(['task', 'report', id, '--execution', 'run-0', '--completed', '--db', db]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/report refused: task .* runs execution run-1, not run-0/);
    expect(
      (await cli(['task', 'report', 'no-such-task', '--execution', 'run-1', '--completed', '--db', db])).code,
    ).toBe(1);
    const bad = await cli(['task', 'report', id, '--execution', 'run-1', '--completed', '--failed', 'x', '--db', db]);
    expect(bad.code).toBe(2);

    const completed = waitFor(events, 'taskCompleted', (t) => t.id === id, 10_000);
    const ok = await cliJson<{ id: string; state: string }>([
      'task',
      'report',
      id,
      '--execution',
      'run-1',
      '--completed',
      '--result',
      '{"rows":3}',
      '--json',
      '--db',
      db,
    ]);
    expect(ok).toMatchObject({ id, state: 'running' });
    await completed;
    expect(await store.taskGet(id)).toMatchObject({
      state: 'completed',
      result: { rows: 3 },
      attempt: 1,
      executionId: 'run-1',
    });

    const late = await cli(['task', 'report', id, '--execution', 'run-1', '--failed', 'late', '--db', db]);
    expect(late.code).toBe(1);
    expect(late.stderr).toMatch(/is completed, not running/);
    expect(errors).toEqual([]);
  });
});
