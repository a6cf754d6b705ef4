import { describe, expect, it } from 'vitest';
import { parseBenchOptions } from '../src/options.js';

describe('parseBenchOptions', () => {
  it('defaults to a burst of 5000 tasks on SQLite, 3 nodes of 20 slots', () => {
    expect(parseBenchOptions([])).toMatchObject({
      workload: 'burst',
      db: 'sqlite',
      nodes: 3,
      concurrency: 20,
      tasks: 5_000,
      taskMs: 0,
      json: false,
    });
  });

  it('takes per-workload defaults for seconds, schedules and task time', () => {
    expect(parseBenchOptions(['--workload', 'recurring'])).toMatchObject({ seconds: 60, schedules: 200 });
    expect(parseBenchOptions(['--workload', 'stored'])).toMatchObject({ seconds: 20, schedules: 100_000, due: 10 });
    expect(parseBenchOptions(['--workload', 'failover'])).toMatchObject({ taskMs: 100 });
  });

  it('runs the peers on --db when it is PostgreSQL, else on the local servers, and takes --busy', () => {
    expect(parseBenchOptions(['--compare'])).toMatchObject({
      compare: true,
      peerPostgres: 'postgres://postgres@127.0.0.1:5432/postgres',
      peerRedis: 'redis://127.0.0.1:6379',
      busy: 0,
    });
    expect(parseBenchOptions(['--db', 'postgres://u@h:5433/admin'])).toMatchObject({
      compare: false,
      peerPostgres: 'postgres://u@h:5433/admin',
    });
    expect(
      parseBenchOptions(['--peer-postgres', 'postgresql://x@y/z', '--peer-redis', 'redis://r:6380', '--busy', '2']),
    ).toMatchObject({ peerPostgres: 'postgresql://x@y/z', peerRedis: 'redis://r:6380', busy: 2 });
  });

  it('is undefined for --help', () => {
    expect(parseBenchOptions(['--help'])).toBeUndefined();
  });

  it.each([
    [['--workload', 'sprint'], /--workload must be one of/],
    [['--nodes', '0'], /--nodes must be a whole number from 1/],
    [['--tasks', '1e3'], /--tasks must be a whole number/],
    [['--workload', 'failover', '--nodes', '1'], /needs --nodes 2/],
    [['--bogus'], /bogus/],
    [['--peer-postgres', 'mysql://root@h/mysql'], /--peer-postgres must be a postgres:\/\/ URL/],
    [['--peer-redis', 'http://h'], /--peer-redis must be a redis:\/\/ URL/],
    [['--busy', 'two'], /--busy must be a whole number/],
  ])('refuses %j naming the option', (args, message) => {
    expect(() => parseBenchOptions(args)).toThrow(message);
  });
});
