import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlDatastore } from '@rookery/datastore-sql';
import { cli, cliJson, freshDb, runJobOnNode } from './helpers.js';

interface Preview {
  fireTimes: { at: number; utc: string; local: string; offset: string; note: string | null }[];
  warnings: string[];
}

describe('rookery job preview --cron', () => {
  const berlin = [
    'job',
    'preview',
    '--cron',
    '30 2 * * *',
    '--tz',
    'Europe/Berlin',
    '--from',
    '2026-03-28T00:00:00Z',
    '--count',
    '3',
  ];

  it('prints UTC, local time, offset and the DST note, without a database', async () => {
    const r = await cli(berlin);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^UTC\s+LOCAL\s+OFFSET\s+NOTE$/);
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(
      /^2026-03-29T01:00:00\.000Z\s+2026-03-29 03:00:00\s+\+02:00\s+moved: 02:30 does not exist \(DST gap\), runs at 03:00$/,
    );
    expect(lines[3]?.indexOf('+02:00')).toBe(lines[0]?.indexOf('OFFSET'));
  });

  it('prints { fireTimes, warnings } with --json', async () => {
    const p = await cliJson<Preview>([...berlin, '--json']);
    expect(p.warnings).toEqual([]);
    expect(p.fireTimes.map((e) => e.local)).toEqual([
      '2026-03-28 02:30:00',
      '2026-03-29 03:00:00',
      '2026-03-30 02:30:00',
    ]);
    expect(p.fireTimes[1]).toEqual({
      at: Date.parse('2026-03-29T01:00:00Z'),
      utc: '2026-03-29T01:00:00.000Z',
      local: '2026-03-29 03:00:00',
      offset: '+02:00',
      note: 'moved: 02:30 does not exist (DST gap), runs at 03:00',
    });
  });

  it('writes warnings to stderr as warning: lines', async () => {
    const r = await cli(['job', 'preview', '--cron', '0 0 13 * FRI', '--count', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(3);
    expect(r.stderr).toMatch(
      /^warning: day-of-month and day-of-week are both restricted: classic cron fires when EITHER matches/,
    );
    const seconds = await cli(['job', 'preview', '--cron', '* * * * * *', '--count', '1']);
    expect(seconds.stderr.trimEnd().split('\n')).toEqual([
      'warning: fires 60 times in the next minute (about every 1 s)',
      expect.stringMatching(/^warning: 6 fields: the first is seconds/),
    ]);
  });

  const bad: [string, string[], string][] = [
    ['a malformed cron', ['--cron', '61 * * * *'], '--cron'],
    ['an unknown zone', ['--cron', '0 3 * * *', '--tz', 'Mars/Olympus_Mons'], '--tz'],
    ['a count over 1000', ['--cron', '0 3 * * *', '--count', '1001'], '--count'],
    ['a bad --from', ['--cron', '0 3 * * *', '--from', '2026-03-28'], '--from'],
    ['neither NAME nor --cron', [], 'name'],
    ['both NAME and --cron', ['nightly', '--cron', '0 3 * * *'], '--cron'],
    ['--tz without --cron', ['nightly', '--tz', 'UTC'], '--tz'],
  ];
  for (const [what, args, field] of bad) {
    it(`refuses ${what} with exit 2 naming ${field}`, async () => {
      const r = await cli(['job', 'preview', ...args]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`^error: ${field.replace('.', '\\.')}: `));
    });
  }
});

describe('rookery job preview NAME', () => {
  it('previews a stored job from the database clock, and says when it is paused', async () => {
    const db = freshDb();
    expect((await cli(['migrate', '--db', db])).code).toBe(0);
    const add = await cli([
      'job',
      'add',
      '--db',
      db,
      '--name',
      'nightly',
      '--exec',
      'later',
      '--cron',
      '30 2 * * *',
      '--tz',
      'Europe/Berlin',
      '--force',
    ]);
    expect(add.code).toBe(0);
    const before = Date.now();
    const p = await cliJson<Preview>(['job', 'preview', 'nightly', '--count', '5', '--json', '--db', db]);
    expect(p.warnings).toEqual([]);
    expect(p.fireTimes).toHaveLength(5);
    for (const e of p.fireTimes) {
      expect(e.at).toBeGreaterThan(before - 1000);
      expect(e.offset).toMatch(/^\+0[12]:00$/);
      expect(e.local).toMatch(e.note === null ? / 02:30:00$/ : / 0[23]:30:00$| 03:00:00$/);
    }
    const days = p.fireTimes.map((e) => e.at);
    expect(days).toEqual([...days].sort((a, b) => a - b));

    expect((await cli(['job', 'pause', 'nightly', '--db', db])).code).toBe(0);
    const paused = await cli(['job', 'preview', 'nightly', '--count', '2', '--db', db]);
    expect(paused.code).toBe(0);
    expect(paused.stdout.trimEnd().split('\n')).toHaveLength(3);
    expect(paused.stderr).toBe(
      "warning: schedule 'nightly' is paused: these fire times run only if it is resumed before them\n",
    );

    const missing = await cli(['job', 'preview', 'no-such-job', '--db', db]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no schedule 'no-such-job'");
  });
});

describe('rookery job history', () => {
  const db = freshDb();
  let store: SqlDatastore | undefined;

  beforeAll(async () => {
    store = await runJobOnNode(db, {
      nodeId: 'cli-history-node',
      functions: { 'test-slow': () => new Promise((resolve) => setTimeout(() => resolve(null), 1_500)) },
      job: 'slow',
      add: ['--exec', 'test-slow', '--every', '1s', '--duplicate', 'skip'],
      until: ['taskCompleted', 'taskSkipped'],
    });
  });

  afterAll(async () => {
    await store?.close();
  });

  it('--json lists one row per task, newest fire time first, with why', async () => {
    const rows = await cliJson<
      { fireAt: string; state: string; attempts: number; nodeId: string | null; why: string }[]
    >(['job', 'history', 'slow', '--json', '--db', db]);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    const fires = rows.map((r) => Date.parse(r.fireAt));
    expect(fires).toEqual([...fires].sort((a, b) => b - a));
    expect(rows.find((r) => r.state === 'completed')).toMatchObject({
      attempts: 1,
      nodeId: 'cli-history-node',
      why: 'completed on node cli-history-node',
    });
    expect(rows.find((r) => r.state === 'skipped')?.why).toMatch(/^skipped: .*task /);
    expect(await cliJson(['job', 'history', 'slow', '--json', '--limit', '1', '--db', db])).toHaveLength(1);
  });

  it('prints a table of fire time, state, attempts, node and why', async () => {
    const r = await cli(['job', 'history', 'slow', '--db', db]);
    expect(r.code).toBe(0);
    const [header, ...rows] = r.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^FIRE AT\s+STATE\s+ATTEMPTS\s+NODE\s+WHY$/);
    expect(rows.some((l) => /completed\s+1\s+cli-history-node\s+completed on node cli-history-node$/.test(l))).toBe(
      true,
    );
    expect((await cli(['job', 'history', 'slow', '--limit', '0', '--db', db])).code).toBe(2);
    expect((await cli(['job', 'history', 'nobody', '--db', db])).code).toBe(1);
  });
});
