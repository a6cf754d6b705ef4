import { describe, expect, it } from 'vitest';
import { cli, freshDb } from './helpers.js';

/** A command line that must be refused (exit 2) with an error naming `option`. */
type Refusal = [args: (db: string) => string[], line: RegExp];

const REFUSALS: Refusal[] = [
  [(db) => ['node', '--db', db, '--lease-ms', '50'], /^error: --lease-ms: must be a whole number from 500/],
  [(db) => ['node', '--db', db, '--retention', '1ms'], /^error: --retention: /],
  [(db) => ['node', '--db', db, '--node-retention', '1ms', '--unresolved-after', 'off'], /^error: --node-retention: /],
  [(db) => ['node', '--db', db, '--prune-every', '1ms'], /^error: --prune-every: /],
  [(db) => ['node', '--db', db, '--concurrency', '0'], /^error: --concurrency: /],
  [
    (db) => ['job', 'add', '--db', db, '--name', 'x', '--exec', 'noop', '--every', '1ms', '--force'],
    /^error: --every: 1 ms is outside/,
  ],
  [
    (db) => [
      'job',
      'add',
      '--db',
      db,
      '--name',
      'x',
      '--exec',
      'noop',
      '--every',
      '1m',
      '--priority',
      '5000',
      '--force',
    ],
    /^error: --priority: /,
  ],
  [
    (db) => ['job', 'add', '--db', db, '--name', 'x', '--exec', 'noop', '--every', '1m', '--timeout', '0ms', '--force'],
    /^error: --timeout: /,
  ],
  [
    (db) => ['job', 'add', '--db', db, '--name', 'x', '--exec', 'noop', '--cron', '* * *', '--force'],
    /^error: --cron: expected 5 fields/,
  ],
  [
    (db) => [
      'job',
      'add',
      '--db',
      db,
      '--name',
      'x',
      '--exec',
      'noop',
      '--cron',
      '0 * * * *',
      '--tz',
      'Mars/Base',
      '--force',
    ],
    /^error: --tz: unknown time zone/,
  ],
  [
    (db) => [
      'job',
      'add',
      '--db',
      db,
      '--name',
      'x',
      '--exec',
      'noop',
      '--every',
      '1m',
      '--payload',
      '{"__proto__":1}',
      '--force',
    ],
    /^error: --payload \(payload\.__proto__\): this key is not allowed/,
  ],
  [
    (db) => ['job', 'add', '--db', db, '--name', 'İ'.repeat(101), '--exec', 'noop', '--every', '1m', '--force'],
    /^error: --name: compares as 202 characters/,
  ],
  [
    (db) => ['job', 'update', 'daily', '--db', db, '--rename', 'İ'.repeat(101)],
    /^error: --rename: compares as 202 characters/,
  ],
];

describe('error messages name the option', () => {
  it('a value the library refuses is reported by the option that gave it, not by the library field', async () => {
    const db = freshDb();
    expect((await cli(['migrate', '--db', db])).code).toBe(0);
    expect(
      (await cli(['job', 'add', '--db', db, '--name', 'daily', '--exec', 'noop', '--every', '1d', '--force'])).code,
    ).toBe(0);
    for (const [args, line] of REFUSALS) {
      const r = await cli(args(db));
      expect(r.code, args(db).join(' ')).toBe(2);
      expect(r.stderr, args(db).join(' ')).toMatch(line);
    }
  });

  it('a field no option sets keeps its name', async () => {
    const db = freshDb();
    expect((await cli(['migrate', '--db', db])).code).toBe(0);
    expect(
      (await cli(['job', 'add', '--db', db, '--name', 'daily', '--exec', 'noop', '--every', '1d', '--force'])).code,
    ).toBe(0);
    expect((await cli(['job', 'retire', 'daily', '--db', db])).code).toBe(0);
    const r = await cli(['job', 'update', 'daily', '--db', db, '--payload', '{}']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: state: schedule 'daily' is retired/);
  });
});
