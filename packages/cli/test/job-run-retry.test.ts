import { describe, expect, it } from 'vitest';
import { RookeryNode } from '@rookery/core';
import { createSqlDatastore } from '@rookery/datastore-sql';
import { functionExecutors, WorkerPool } from '@rookery/executor';
import { createEventBus, waitFor } from '@rookery/messaging';
import { cli, cliJson, freshDb } from './helpers.js';

interface TaskOut {
  id: string;
  origin: string;
  scheduleId: string | null;
  state: string;
  attempt: number;
  reason: string | null;
  payload: unknown;
}

const TRUE = ['--exec', 'process', '--payload', '{"command":"true"}'];

describe('rookery job run', () => {
  it('starts an extra run now, recorded as manual, also when the job is paused; refuses a retired job', async () => {
    const db = freshDb();
    expect((await cli(['migrate', '--db', db])).code).toBe(0);
    const job = await cliJson<{ id: string; nextFireAt: string }>([
      'job',
      'add',
      '--name',
      'hourly',
      ...TRUE,
      '--every',
      '1h',
      '--json',
      '--db',
      db,
    ]);
    const run = await cliJson<TaskOut>(['job', 'run', 'hourly', '--json', '--db', db]);
    expect(run).toMatchObject({
      scheduleId: job.id,
      origin: 'manual',
      state: 'pending',
      attempt: 0,
      reason: 'manual: run now by an operator',
      payload: { command: 'true' },
    });
    expect((await cli(['job', 'history', 'hourly', '--db', db])).stdout).toMatch(
      /pending\s+0\s+-\s+manual: run now by an operator/,
    );
    // The ledger keeps saying it was a manual run once the task's own reason has changed.
    expect((await cli(['task', 'cancel', run.id, '--db', db])).code).toBe(0);
    expect((await cli(['job', 'history', 'hourly', '--db', db])).stdout).toMatch(
      /cancelled\s+0\s+-\s+manual run, cancelled from the command line/,
    );
    expect((await cliJson<{ nextFireAt: string }>(['job', 'show', 'hourly', '--json', '--db', db])).nextFireAt).toBe(
      job.nextFireAt,
    );

    expect((await cli(['job', 'pause', 'hourly', '--db', db])).code).toBe(0);
    const text = await cli(['job', 'run', 'hourly', '--payload', '{"command":"echo","args":["once"]}', '--db', db]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^started \S+ \(process\), manual run of hourly, due /);
    const bad = await cli(['job', 'run', 'hourly', '--payload', '{"args":[]}', '--db', db]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/payload\.command/);

    expect((await cli(['job', 'retire', 'hourly', '--db', db])).code).toBe(0);
    const refused = await cli(['job', 'run', 'hourly', '--db', db]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: state: schedule 'hourly' is retired and cannot be run/);
  });
});

describe('rookery task retry', () => {
  it('gives a cancelled task a new attempt, recorded in its history, and refuses a task that is not failed, cancelled, missed or abandoned', async () => {
    const db = freshDb();
    expect((await cli(['migrate', '--db', db])).code).toBe(0);
    const added = await cliJson<TaskOut>([
      'task',
      'add',
      '--exec',
      'later',
      '--force',
      '--in',
      '1h',
      '--json',
      '--db',
      db,
    ]);
    expect((await cli(['task', 'cancel', added.id, '--db', db])).code).toBe(0);
    const retried = await cliJson<TaskOut>(['task', 'retry', added.id, '--json', '--db', db]);
    expect(retried).toMatchObject({
      id: added.id,
      origin: 'job',
      state: 'pending',
      attempt: 0,
      reason: 'retried by an operator',
    });
    const shown = await cliJson<{ events: { from: string | null; to: string; reason: string | null }[] }>([
      'task',
      'show',
      added.id,
      '--json',
      '--db',
      db,
    ]);
    expect(shown.events.map((e) => [e.from, e.to])).toEqual([
      [null, 'pending'],
      ['pending', 'cancelled'],
      ['cancelled', 'pending'],
    ]);
    expect(shown.events.at(-1)?.reason).toBe('retried by an operator');
    const again = await cli(['task', 'retry', added.id, '--db', db]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(
      /^error: state: task \S+ is pending; only failed, cancelled, missed, abandoned tasks can be retried/,
    );
  });

  it('refuses a retry while another live task holds the dedupe key', async () => {
    const db = freshDb();
    expect((await cli(['migrate', '--db', db])).code).toBe(0);
    const first = await cliJson<TaskOut>([
      'task',
      'add',
      '--exec',
      'later',
      '--force',
      '--key',
      'export',
      '--json',
      '--db',
      db,
    ]);
    await cli(['task', 'cancel', first.id, '--db', db]);
    const holder = await cliJson<TaskOut>([
      'task',
      'add',
      '--exec',
      'later',
      '--force',
      '--key',
      'export',
      '--json',
      '--db',
      db,
    ]);
    const refused = await cli(['task', 'retry', first.id, '--db', db]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`which live task ${holder.id} (pending) holds`);
  });
});

describe('a once job ends', () => {
  it('is done after its only run, shown by job ls, cannot be resumed or run, and rookery prune deletes it after the window', async () => {
    const db = freshDb();
    expect((await cli(['migrate', '--db', db])).code).toBe(0);
    const store = await createSqlDatastore({ url: db });
    const events = createEventBus();
    const node = new RookeryNode({
      datastore: store,
      events,
      executors: functionExecutors({ noop: async () => undefined }),
      pool: new WorkerPool({ concurrency: 1 }),
      id: 'once-node',
      pollWaitsMs: [50],
    });
    await node.start();
    try {
      const completed = waitFor(events, 'taskCompleted', () => true, 15_000);
      const at = new Date(Date.now() + 500).toISOString();
      expect((await cli(['job', 'add', '--name', 'launch', '--exec', 'noop', '--at', at, '--db', db])).code).toBe(0);
      await completed;
    } finally {
      await node.stop({ graceMs: 5_000 });
    }
    try {
      const ls = await cli(['job', 'ls', '--db', db]);
      expect(ls.stdout).toMatch(/launch\s+done\s+noop\s+once at/);
      expect(
        (await cliJson<{ name: string }[]>(['job', 'ls', '--state', 'done', '--json', '--db', db])).map((s) => s.name),
      ).toEqual(['launch']);
      expect(await cliJson<unknown[]>(['job', 'ls', '--state', 'active,paused', '--json', '--db', db])).toEqual([]);
      const resume = await cli(['job', 'resume', 'launch', '--db', db]);
      expect(resume.code).toBe(2);
      expect(resume.stderr).toMatch(
        /^error: state: schedule 'launch' is done \(its only run is over\) and cannot be resumed/,
      );
      expect((await cli(['job', 'run', 'launch', '--db', db])).code).toBe(2);
      expect(
        await cliJson(['prune', '--older-than', '30m', '--nodes-older-than', 'off', '--json', '--db', db]),
      ).toEqual({ tasks: 0, nodes: 0, schedules: 0 });
      // Age the job and its ledger by two hours, as if it had been done that long.
      await store.sequelize.query('UPDATE rookery_schedules SET updated_at = updated_at - 7200000');
      await store.sequelize.query('UPDATE rookery_tasks SET ended_at = ended_at - 7200000 WHERE ended_at IS NOT NULL');
      expect(
        await cliJson(['prune', '--older-than', '30m', '--nodes-older-than', 'off', '--json', '--db', db]),
      ).toEqual({ tasks: 0, nodes: 0, schedules: 1 });
      expect(await cliJson<unknown[]>(['job', 'ls', '--json', '--db', db])).toEqual([]);
      expect(await store.taskList({ limit: 10 })).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

describe('--every and --after-run', () => {
  it('accept every example their help shows, and refuse what it rules out, naming the option', async () => {
    const db = freshDb();
    expect((await cli(['migrate', '--db', db])).code).toBe(0);
    const help = (await cli(['job', 'add', '--help'])).stdout.replace(/\s+/g, ' ');
    for (const option of ['every', 'after-run']) {
      const shown =
        new RegExp(`--${option} <duration> [^:]*: ((?:[\\d.]+[a-z]+, )*[\\d.]+[a-z]+)`).exec(help)?.[1]?.split(', ') ??
        [];
      expect(shown.length, `examples of --${option}`).toBeGreaterThan(2);
      for (const [i, example] of shown.entries()) {
        const r = await cli(['job', 'add', '--name', `${option}-${i}`, ...TRUE, `--${option}`, example, '--db', db]);
        expect(r.code, `--${option} ${example}: ${r.stderr}`).toBe(0);
      }
      for (const refused of ['500ms', '999ms', '5', '-1s']) {
        const r = await cli(['job', 'add', '--name', 'refused', ...TRUE, `--${option}`, refused, '--db', db]);
        expect(r.code, `--${option} ${refused}`).toBe(2);
        expect(r.stderr).toMatch(new RegExp(`^error: --${option}: `));
      }
    }
  });
});
