import { describe, expect, it } from 'vitest';
import { RookeryNode, type Schedule } from '@rookery/core';
import { createSqlDatastore } from '@rookery/datastore-sql';
import { processExecutor, WorkerPool } from '@rookery/executor';
import { createEventBus } from '@rookery/messaging';
import { cli, cliJson, freshDb, type CliRun } from './helpers.js';

interface Row {
  name: string;
  state: string;
  scheduleState: string;
  field: string | null;
  reason: string | null;
  validatedBy: string | null;
  validatedAt: string | null;
}

const add = (db: string, name: string, exec: string, payload: string): Promise<CliRun> =>
  cli([
    'job',
    'add',
    '--db',
    db,
    '--name',
    name,
    '--exec',
    exec,
    '--every',
    '1h',
    '--payload',
    payload,
    '--client',
    'team-a',
  ]);

describe('rookery job add --client and job validations on SQLite', () => {
  it('stores submissions pending at once; a node activates the valid one and rejects the others naming the field', async () => {
    const db = freshDb();
    expect((await cli(['migrate', '--db', db])).code).toBe(0);

    const good = await add(db, 'backup', 'process', '{"command":"sh","args":["-c","true"]}');
    expect(good).toMatchObject({ code: 0, stderr: '' });
    expect(good.stdout).toContain('submitted backup');
    expect(good.stdout).toContain('rookery job validations --client team-a');
    // Neither a command missing from the node nor a malformed payload is refused here: the cluster judges them.
    expect((await add(db, 'missing-command', 'process', '{"command":"no-such-program-rookery"}')).code).toBe(0);
    expect((await add(db, 'malformed', 'process', '{"args":["x"]}')).code).toBe(0);
    // No registered node has this executor: accepted, and pending until one has.
    expect((await add(db, 'orphan', 'send-report', '{}')).code).toBe(0);

    const before = await cliJson<Row[]>(['job', 'validations', '--client', 'team-a', '--json', '--db', db]);
    expect(before.map((r) => [r.name, r.state, r.scheduleState])).toEqual([
      ['backup', 'pending', 'pending-validation'],
      ['missing-command', 'pending', 'pending-validation'],
      ['malformed', 'pending', 'pending-validation'],
      ['orphan', 'pending', 'pending-validation'],
    ]);

    const store = await createSqlDatastore({ url: db });
    const events = createEventBus();
    const node = new RookeryNode({
      datastore: store,
      events,
      executors: [processExecutor({ runtimeDir: null })],
      pool: new WorkerPool({ concurrency: 2 }),
      id: 'validator',
      pollWaitsMs: [50],
      validateEveryMs: 50,
    });
    const settled: Schedule[] = [];
    const allSettled = new Promise<void>((resolve) => {
      const note = (s: Schedule): void => {
        settled.push(s);
        if (settled.length === 3) resolve();
      };
      events.on('scheduleValidated', note);
      events.on('scheduleRejected', note);
    });
    await node.start();
    try {
      await allSettled;
    } finally {
      await node.stop({ graceMs: 1_000 });
      await store.close();
    }

    const after = await cliJson<Row[]>(['job', 'validations', '--client', 'team-a', '--json', '--db', db]);
    expect(after.map((r) => [r.name, r.state, r.field])).toEqual([
      ['backup', 'active', null],
      ['missing-command', 'rejected', 'payload.command'],
      ['malformed', 'rejected', 'payload.command'],
      ['orphan', 'pending', null],
    ]);
    expect(after[1]?.reason).toContain("'no-such-program-rookery' was not found on this node's PATH");
    for (const r of after.slice(0, 3))
      expect(r).toMatchObject({ validatedBy: 'validator', validatedAt: expect.any(String) });

    const table = await cli(['job', 'validations', '--client', 'team-a', '--db', db]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/missing-command\s+rejected\s+rejected\s+process/);
    expect(table.stdout).toContain("waiting for a node that has executor 'send-report'");

    const shown = await cli(['job', 'show', 'missing-command', '--db', db]);
    expect(shown.stdout).toMatch(/client\s+team-a/);
    expect(shown.stdout).toMatch(/validation\s+rejected by validator at .*: payload\.command: /);
    const active = await cliJson<{ state: string; nextFireAt: string | null }>([
      'job',
      'show',
      'backup',
      '--json',
      '--db',
      db,
    ]);
    expect(active.state).toBe('active');
    expect(active.nextFireAt).not.toBeNull();
  });

  it('lists nothing for a client without submissions, and needs --client', async () => {
    const db = freshDb();
    expect((await cli(['migrate', '--db', db])).code).toBe(0);
    expect(await cliJson(['job', 'validations', '--client', 'nobody', '--json', '--db', db])).toEqual([]);
    const missing = await cli(['job', 'validations', '--db', db]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--client');
  });

  it('without --client, still refuses a malformed built-in payload at once', async () => {
    const db = freshDb();
    expect((await cli(['migrate', '--db', db])).code).toBe(0);
    const r = await cli([
      'job',
      'add',
      '--db',
      db,
      '--name',
      'x',
      '--exec',
      'process',
      '--every',
      '1h',
      '--payload',
      '{"args":["x"]}',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('payload.command');
  });
});
