import { beforeEach, describe, expect, it } from 'vitest';
import { createSqlDatastore } from '@rookery/datastore-sql';
import { cli, cliJson, freshDb } from './helpers.js';

/** Registers a node offering `send-report`, so that the executor is known. */
async function registerNode(db: string): Promise<void> {
  const store = await createSqlDatastore({ url: db });
  try {
    await store.nodeRegister({
      id: 'test-node',
      host: 'localhost',
      pid: 1,
      executors: ['send-report'],
      clockOffsetMs: 0,
    });
  } finally {
    await store.close();
  }
}

describe('rookery job add refuses bad input with exit code 2, one line naming the field, and writes nothing', () => {
  let db: string;
  beforeEach(async () => {
    db = freshDb();
    expect((await cli(['migrate', '--db', db])).code).toBe(0);
    await registerNode(db);
  });

  const cases: [string, string[], string][] = [
    ['a malformed cron', ['--cron', '61 * * * *'], '--cron'],
    ['an unknown time zone', ['--cron', '0 3 * * *', '--tz', 'Mars/Olympus_Mons'], '--tz'],
    ['an unknown executor', ['--every', '5s', '--exec', 'no-such-executor'], 'executor'],
    ['a negative interval', ['--every', '-5s'], 'every'],
    ['an interval below one second', ['--every', '10ms'], '--every'],
    ['invalid JSON payload', ['--every', '5s', '--payload', '{not json'], 'payload'],
    ['two triggers', ['--every', '5s', '--cron', '* * * * *'], 'trigger'],
    ['no trigger', [], 'trigger'],
    ['a bad backoff', ['--every', '5s', '--retries', '2', '--backoff', 'linear:1s'], 'backoff'],
    ['an unknown duplicate policy', ['--every', '5s', '--duplicate', 'sometimes'], '--duplicate'],
    ['an empty name', ['--every', '5s', '--name', ' '], 'name'],
    [
      'a process payload without a command',
      ['--every', '5s', '--exec', 'process', '--payload', '{"args":["x"]}'],
      'payload.command',
    ],
    [
      'an http payload with an ftp url',
      ['--every', '5s', '--exec', 'http', '--payload', '{"url":"ftp://example.com/x"}'],
      'payload.url',
    ],
  ];

  for (const [what, extra, field] of cases) {
    it(`refuses ${what}`, async () => {
      const args = ['job', 'add', '--db', db, '--name', 'nightly', '--exec', 'send-report', ...extra];
      const r = await cli(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(field);
      expect(await cliJson(['job', 'ls', '--json', '--db', db])).toEqual([]);
    });
  }

  it('reports a commander usage error on one line with exit code 2', async () => {
    const r = await cli(['job', 'add', '--db', db, '--exec', 'send-report', '--every', '5s']);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--name');
    const unknown = await cli([
      'job',
      'add',
      '--db',
      db,
      '--name',
      'n',
      '--exec',
      'send-report',
      '--every',
      '5s',
      '--bogus',
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--bogus');
  });
});

describe('rookery job round trip on a SQLite file', () => {
  it('adds, lists, shows, pauses, resumes, retires and removes a job', async () => {
    const db = freshDb();
    expect((await cli(['migrate', '--db', db])).code).toBe(0);
    expect((await cli(['migrate', '--db', db])).code).toBe(0); // idempotent
    await registerNode(db);

    const add = await cli([
      'job',
      'add',
      '--db',
      db,
      '--name',
      'nightly-report',
      '--exec',
      'send-report',
      '--cron',
      '0 3 * * *',
      '--tz',
      'Europe/Berlin',
      '--payload',
      '{"to":"ops"}',
      '--retries',
      '2',
      '--backoff',
      'exponential:1s',
      '--timeout',
      '30s',
      '--duplicate',
      'skip',
      '--misfire',
      'skip',
    ]);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/^created nightly-report/);

    const again = await cli([
      'job',
      'add',
      '--db',
      db,
      '--name',
      'Nightly-Report',
      '--exec',
      'send-report',
      '--every',
      '1h',
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('name');

    const list = await cliJson<Record<string, unknown>[]>(['job', 'ls', '--json', '--db', db]);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      name: 'nightly-report',
      state: 'active',
      executor: 'send-report',
      payload: { to: 'ops' },
      trigger: { kind: 'cron', expr: '0 3 * * *', tz: 'Europe/Berlin' },
    });
    expect(String(list[0]?.nextFireAt)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/);

    const table = await cli(['job', 'ls', '--db', db]);
    const [header, row] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^NAME\s+STATE\s+EXECUTOR\s+TRIGGER\s+NEXT FIRE\s+ID$/);
    expect(row?.indexOf('active')).toBe(header?.indexOf('STATE'));

    const shown = await cliJson<{
      policies: {
        retry: { kind: string; maxAttempts: number; delayMs: number };
        timeoutMs: number;
        duplicate: string;
        misfire: string;
      };
    }>(['job', 'show', 'nightly-report', '--json', '--db', db]);
    expect(shown.policies.retry).toMatchObject({ kind: 'exponential', maxAttempts: 3, delayMs: 1000 });
    expect(shown.policies).toMatchObject({ timeoutMs: 30_000, duplicate: 'skip', misfire: 'skip' });
    expect((await cli(['job', 'show', 'nightly-report', '--db', db])).stdout).toContain('exponential 1s, 3 attempts');

    const state = async (): Promise<unknown> =>
      (await cliJson<{ state: string }>(['job', 'show', 'nightly-report', '--json', '--db', db])).state;
    expect((await cli(['job', 'pause', 'nightly-report', '--db', db])).stdout).toBe('paused nightly-report\n');
    expect(await state()).toBe('paused');
    expect((await cli(['job', 'resume', 'nightly-report', '--db', db])).code).toBe(0);
    expect(await state()).toBe('active');
    expect((await cli(['job', 'retire', 'nightly-report', '--db', db])).code).toBe(0);
    expect(await state()).toBe('retired');
    expect((await cli(['job', 'resume', 'nightly-report', '--db', db])).code).toBe(2);

    expect((await cli(['job', 'rm', 'nightly-report', '--db', db])).stdout).toBe('deleted nightly-report\n');
    expect(await cliJson(['job', 'ls', '--json', '--db', db])).toEqual([]);
    const missing = await cli(['job', 'show', 'nightly-report', '--db', db]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no schedule 'nightly-report'");
  });

  it('accepts an executor no node offers with --force', async () => {
    const db = freshDb();
    await cli(['migrate', '--db', db]);
    const refused = await cli([
      'job',
      'add',
      '--db',
      db,
      '--name',
      'later',
      '--exec',
      'future-executor',
      '--at',
      '2999-01-01T00:00:00Z',
    ]);
    expect(refused.code).toBe(2);
    const forced = await cli([
      'job',
      'add',
      '--db',
      db,
      '--name',
      'later',
      '--exec',
      'future-executor',
      '--at',
      '2999-01-01T00:00:00Z',
      '--force',
      '--json',
    ]);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({
      name: 'later',
      trigger: { kind: 'once', at: '2999-01-01T00:00:00.000Z' },
      nextFireAt: '2999-01-01T00:00:00.000Z',
    });
  });
});

describe('rookery job add with no node registered', () => {
  it('accepts the built-in process and http executors, and still refuses an unknown one', async () => {
    const db = freshDb();
    expect((await cli(['migrate', '--db', db])).code).toBe(0);
    const proc = await cli([
      'job',
      'add',
      '--db',
      db,
      '--name',
      'backup',
      '--exec',
      'process',
      '--every',
      '1h',
      '--payload',
      '{"command":"true"}',
    ]);
    expect(proc.stderr).toBe('');
    expect(proc.code).toBe(0);
    const http = await cli([
      'job',
      'add',
      '--db',
      db,
      '--name',
      'ping',
      '--exec',
      'http',
      '--every',
      '1h',
      '--payload',
      '{"url":"https://example.com/"}',
    ]);
    expect(http.stderr).toBe('');
    expect(http.code).toBe(0);
    const unknown = await cli([
      'job',
      'add',
      '--db',
      db,
      '--name',
      'nope',
      '--exec',
      'no-such-executor',
      '--every',
      '1h',
    ]);
    expect(unknown.code).toBe(2);
  });
});
