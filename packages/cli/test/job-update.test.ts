import { beforeEach, describe, expect, it } from 'vitest';
import { createSqlDatastore } from '@rookery/datastore-sql';
import { cli, cliJson, freshDb } from './helpers.js';

interface ScheduleJson {
  name: string;
  payload: unknown;
  trigger: { kind: string; everyMs?: number; expr?: string; tz?: string };
  policies: { duplicate: string; retry: { maxAttempts: number } };
}

describe('rookery job update', () => {
  let db: string;
  beforeEach(async () => {
    db = freshDb();
    expect((await cli(['migrate', '--db', db])).code).toBe(0);
    const store = await createSqlDatastore({ url: db });
    await store.nodeRegister({ id: 'n', host: 'h', pid: 1, executors: ['send-report'], clockOffsetMs: 0 });
    await store.close();
    expect(
      (
        await cli([
          'job',
          'add',
          '--db',
          db,
          '--name',
          'report',
          '--exec',
          'send-report',
          '--every',
          '1h',
          '--payload',
          '{"v":1}',
        ])
      ).code,
    ).toBe(0);
  });

  it('changes only what is given and prints the next fire time', async () => {
    const r = await cli([
      'job',
      'update',
      'report',
      '--db',
      db,
      '--cron',
      '0 9 * * MON-FRI',
      '--tz',
      'Europe/Berlin',
      '--duplicate',
      'skip',
      '--retries',
      '2',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^updated report \(.+\), next fire \d{4}-/);
    const s = await cliJson<ScheduleJson>(['job', 'show', 'report', '--db', db, '--json']);
    expect(s).toMatchObject({
      name: 'report',
      payload: { v: 1 },
      trigger: { kind: 'cron', expr: '0 9 * * MON-FRI', tz: 'Europe/Berlin' },
    });
    expect(s.policies.duplicate).toBe('skip');
    expect(s.policies.retry.maxAttempts).toBe(3);
    const renamed = await cliJson<ScheduleJson>([
      'job',
      'update',
      'report',
      '--db',
      db,
      '--rename',
      'daily-report',
      '--payload',
      '{"v":2}',
      '--json',
    ]);
    expect(renamed).toMatchObject({ name: 'daily-report', payload: { v: 2 }, trigger: { kind: 'cron' } });
  });

  it.each([
    ['an unknown zone', ['--cron', '0 9 * * *', '--tz', 'Mars/Olympus'], '--tz'],
    ['nothing to change', [], 'changes'],
    ['--tz without --cron', ['--tz', 'Europe/Berlin'], 'tz'],
    ['two triggers', ['--every', '5s', '--cron', '* * * * *'], 'trigger'],
  ])('refuses %s with exit code 2 naming the field, and changes nothing', async (_what, args, field) => {
    const r = await cli(['job', 'update', 'report', '--db', db, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(field);
    const s = await cliJson<ScheduleJson>(['job', 'show', 'report', '--db', db, '--json']);
    expect(s.trigger).toEqual(expect.objectContaining({ kind: 'interval', everyMs: 3_600_000 }));
  });
});
