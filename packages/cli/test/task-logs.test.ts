import { afterEach, describe, expect, it } from 'vitest';
import { RookeryNode } from '@rookery/core';
import { createSqlDatastore, type SqlDatastore } from '@rookery/datastore-sql';
import { functionExecutors, WorkerPool } from '@rookery/executor';
import { createEventBus, waitFor } from '@rookery/messaging';
import { cli, freshDb } from './helpers.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

let node: RookeryNode | undefined;
let store: SqlDatastore | undefined;
afterEach(async () => {
  await node?.stop({ graceMs: 2_000 });
  await store?.close();
});

describe('rookery task logs', () => {
  it('prints a task’s stored log; --follow prints new lines until the task ends', async () => {
    const db = freshDb();
    expect((await cli(['migrate', '--db', db])).code).toBe(0);
    store = await createSqlDatastore({ url: db });
    const events = createEventBus();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    node = new RookeryNode({
      datastore: store,
      events,
      executors: functionExecutors({
        chatty: async (ctx) => {
          ctx.log('hello');
          ctx.log('quotes \' and " and ünïcode 🐦');
          await gate;
          ctx.log('after the gate');
          return 'done';
        },
      }),
      pool: new WorkerPool({ concurrency: 1 }),
      id: 'logs-node',
      pollWaitsMs: [50],
    });
    await node.start();
    const started = waitFor(events, 'taskStarted', () => true, 15_000);
    const add = await cli([
      'job',
      'add',
      '--db',
      db,
      '--name',
      'chatty',
      '--exec',
      'chatty',
      '--at',
      new Date(Date.now() + 200).toISOString(),
    ]);
    expect(add.stderr).toBe('');
    const [task] = await started;

    // follow while it runs: the command ends by itself once the task has completed
    const following = cli(['task', 'logs', task.id, '--follow', '--poll', '50ms', '--db', db]);
    // the first two lines are stored while the task still runs (flushed within a second)
    for (const until = Date.now() + 10_000; (await store.taskLogRead({ taskId: task.id })).length < 2;) {
      if (Date.now() > until) throw new Error('the first lines were never stored');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await store.taskGet(task.id))?.state).toBe('running');
    release();
    const followed = await following;
    expect(followed.code, followed.stderr).toBe(0);
    const lines = followed.stdout.trimEnd().split('\n');
    expect(lines.map((l) => l.replace(/^\S+ {2}/, ''))).toEqual([
      'hello',
      'quotes \' and " and ünïcode 🐦',
      'after the gate',
    ]);
    expect(lines[0]?.split('  ')[0]).toMatch(ISO);
    expect((await store.taskGet(task.id))?.state).toBe('completed');

    const json = (await cli(['task', 'logs', task.id, '--json', '--db', db])).stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; at: string; line: string });
    expect(json.map((l) => l.line)).toEqual(['hello', 'quotes \' and " and ünïcode 🐦', 'after the gate']);
    expect(json[0]?.at).toMatch(ISO);
    expect(json.map((l) => l.seq)).toEqual([...json.map((l) => l.seq)].sort((a, b) => a - b));

    const missing = await cli(['task', 'logs', 'no-such-task', '--db', db]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no-such-task/);
  }, 30_000);
});
