import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSqlDatastore } from '@rookery/datastore-sql';
import { cli, cliJson, freshDb } from './helpers.js';

interface Applied {
  name: string;
  outcome: string;
  schedule: { id: string; state: string; updatedAt: string; trigger: Record<string, unknown> };
}

const YAML_FILE = `# the jobs of this service
schedules:
  - name: nightly-report
    executor: process
    payload: { command: "true" }
    trigger: { kind: cron, expr: "0 3 * * *", tz: Europe/Berlin }
  - name: heartbeat
    executor: process
    payload: { command: "true" }
    trigger: { kind: interval, everyMs: 300000 }
    policies: { duplicate: skip, retry: { kind: fixed, maxAttempts: 3, delayMs: 5000 } }
  - name: launch
    executor: process
    payload: { command: "true" }
    trigger: { kind: once, at: "2030-01-01T00:00:00Z" }
`;

/** Writes `text` to a new file named `name` in a temp directory; returns its path. */
function fileOf(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'rookery-apply-')), name);
  writeFileSync(path, text);
  return path;
}

/** Each job's name, last change and fence: any write to a job changes one of them. */
async function writes(db: string): Promise<string> {
  const store = await createSqlDatastore({ url: db });
  try {
    const list = await store.scheduleList({ limit: 100 });
    return list.map((s) => `${s.name}@${s.updatedAt}/${s.fence}`).join(',');
  } finally {
    await store.close();
  }
}

describe('rookery job apply', () => {
  let db: string;
  beforeEach(async () => {
    db = freshDb();
    expect((await cli(['migrate', '--db', db])).code).toBe(0);
  });

  it('creates the jobs of a YAML file, then finds them unchanged: the second apply writes nothing', async () => {
    const file = fileOf('jobs.yaml', YAML_FILE);
    const first = await cli(['job', 'apply', file, '--db', db]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/nightly-report\s+created\s+active/);
    expect(first.stdout).toMatch(/heartbeat\s+created\s+active/);
    expect(first.stdout).toMatch(/launch\s+created\s+active/);
    const before = await writes(db);
    const second = await cliJson<Applied[]>(['job', 'apply', file, '--json', '--db', db]);
    expect(second.map((a) => [a.name, a.outcome])).toEqual([
      ['nightly-report', 'unchanged'],
      ['heartbeat', 'unchanged'],
      ['launch', 'unchanged'],
    ]);
    expect(await writes(db)).toBe(before);
  });

  it('updates a changed job, and with --prune deletes the jobs the file does not list; a JSON file works alike', async () => {
    await cli([
      'job',
      'add',
      '--name',
      'legacy',
      '--exec',
      'process',
      '--payload',
      '{"command":"true"}',
      '--every',
      '1h',
      '--db',
      db,
    ]);
    const file = fileOf('jobs.yaml', YAML_FILE);
    expect((await cli(['job', 'apply', file, '--db', db])).code).toBe(0);
    const changed = {
      schedules: [
        {
          name: 'nightly-report',
          executor: 'process',
          payload: { command: 'true' },
          trigger: { kind: 'cron', expr: '0 4 * * *', tz: 'Europe/Berlin' },
        },
        {
          name: 'heartbeat',
          executor: 'process',
          payload: { command: 'true' },
          trigger: { kind: 'interval', everyMs: 300000 },
          policies: { duplicate: 'skip', retry: { kind: 'fixed', maxAttempts: 3, delayMs: 5000 } },
        },
      ],
    };
    const json = fileOf('jobs.json', JSON.stringify(changed));
    const applied = await cliJson<Applied[]>(['job', 'apply', json, '--prune', '--json', '--db', db]);
    expect(applied.map((a) => [a.name, a.outcome]).sort()).toEqual([
      ['heartbeat', 'unchanged'],
      ['launch', 'deleted'],
      ['legacy', 'deleted'],
      ['nightly-report', 'updated'],
    ]);
    expect(applied.find((a) => a.name === 'nightly-report')?.schedule.trigger['expr']).toBe('0 4 * * *');
    const left = await cliJson<{ name: string }[]>(['job', 'ls', '--json', '--db', db]);
    expect(left.map((s) => s.name)).toEqual(['heartbeat', 'nightly-report']);
  });

  it('--dry-run prints what applying would do and writes nothing', async () => {
    await cli([
      'job',
      'add',
      '--name',
      'legacy',
      '--exec',
      'process',
      '--payload',
      '{"command":"true"}',
      '--every',
      '1h',
      '--db',
      db,
    ]);
    const before = await writes(db);
    const dry = await cli(['job', 'apply', fileOf('jobs.yaml', YAML_FILE), '--dry-run', '--prune', '--db', db]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/nightly-report\s+created/);
    expect(dry.stdout).toMatch(/legacy\s+deleted/);
    expect(dry.stdout).toMatch(/dry run: nothing written\n$/);
    expect(await writes(db)).toBe(before);
  });

  it('refuses a bad file naming the file and the field, and writes nothing', async () => {
    const bad = YAML_FILE.replace('0 3 * * *', '0 61 * * *');
    const cases: [string, string, RegExp][] = [
      ['jobs.yaml', bad, /^error: \S+jobs\.yaml: schedules\[0\]\.trigger\.expr: /],
      [
        'jobs.yaml',
        YAML_FILE.replace('everyMs: 300000', 'everyMs: 10'),
        /^error: \S+jobs\.yaml: schedules\[1\]\.trigger\.everyMs: /,
      ],
      [
        'jobs.yaml',
        YAML_FILE.replace(
          'executor: process\n    payload: { command: "true" }\n    trigger: { kind: once',
          'executor: nobody-offers-it\n    trigger: { kind: once',
        ),
        /^error: \S+jobs\.yaml: schedules\[2\]\.executor: /,
      ],
      [
        'jobs.yaml',
        YAML_FILE.replace(
          'payload: { command: "true" }\n    trigger: { kind: interval',
          'payload: {}\n    trigger: { kind: interval',
        ),
        /^error: \S+jobs\.yaml: schedules\[1\]\.payload\.command: /,
      ],
      [
        'jobs.yaml',
        `${YAML_FILE}  - name: Heartbeat\n    executor: process\n    payload: { command: "true" }\n    trigger: { kind: interval, everyMs: 60000 }\n`,
        /^error: \S+jobs\.yaml: schedules\[3\]\.name: /,
      ],
      ['jobs.yaml', 'schedules: [1, 2]', /^error: \S+jobs\.yaml: schedules\[0\]: must be an object/],
      ['jobs.yaml', 'jobs: []', /^error: \S+jobs\.yaml: jobs: unknown field/],
      ['jobs.yaml', 'schedules: [ {', /^error: \S+jobs\.yaml: not valid YAML/],
      ['jobs.json', '{"schedules": [}', /^error: \S+jobs\.json: not valid JSON/],
    ];
    for (const [name, text, message] of cases) {
      const r = await cli(['job', 'apply', fileOf(name, text), '--db', db]);
      expect(r.code, text).toBe(2);
      expect(r.stderr, text).toMatch(message);
    }
    const missing = await cli(['job', 'apply', join(tmpdir(), 'no-such-dir-rookery', 'jobs.yaml'), '--db', db]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read/);
    expect(await cliJson<unknown[]>(['job', 'ls', '--json', '--db', db])).toEqual([]);
  });
});
