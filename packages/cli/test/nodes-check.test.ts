import { createSqlDatastore, type SqlDatastore } from '@rookery/datastore-sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, freshDb } from './helpers.js';

/** `rookery nodes --check`: exit 0 while every node that did not stop heartbeats with its clock near the database's, 1 otherwise. */
describe('rookery nodes --check', () => {
  const db = freshDb();
  let store: SqlDatastore | undefined;

  beforeAll(async () => {
    expect((await cli(['migrate', '--db', db])).code).toBe(0);
    store = await createSqlDatastore({ url: db });
    await store.nodeRegister({ id: 'steady', host: 'h', pid: 1, executors: [], clockOffsetMs: 0 });
    await store.nodeRegister({ id: 'gone', host: 'h', pid: 2, executors: [], clockOffsetMs: 0 });
    await store.nodeStop({ id: 'gone', now: (await store.clockNow()) - 3_600_000 });
  });

  afterAll(async () => {
    await store?.close();
  });

  it('exits 0 when every node that did not stop is heard from and on time (a stopped node does not count)', async () => {
    const run = await cli(['nodes', '--check', '--db', db]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/steady\s+running/);
  });

  it('exits 1 naming a node whose clock is further off than --max-offset', async () => {
    await store!.nodeHeartbeat({ id: 'steady', clockOffsetMs: 2_500 });
    expect((await cli(['nodes', '--check', '--db', db])).code).toBe(0);
    const run = await cli(['nodes', '--check', '--max-offset', '2s', '--db', db]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      "error: nodes --check: node steady's clock is 2500 ms off the database clock (limit ±2000 ms)\n",
    );
    await store!.nodeHeartbeat({ id: 'steady', clockOffsetMs: 0 });
  });

  it('exits 1 naming a node silent for longer than --silent-after, which also sets the status column', async () => {
    const now = await store!.clockNow();
    await store!.nodeRegister({ id: 'quiet', host: 'h', pid: 3, executors: [], clockOffsetMs: 0 });
    await store!.nodeHeartbeat({ id: 'quiet', clockOffsetMs: 0, now: now - 120_000 });
    const run = await cli(['nodes', '--check', '--db', db]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: nodes --check: node quiet is silent: last heartbeat 12\d s ago\n$/);
    expect(run.stdout).toMatch(/quiet\s+silent/);
    const lenient = await cli(['nodes', '--check', '--silent-after', '10m', '--db', db]);
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toMatch(/quiet\s+running/);
  });

  it('refuses a bad threshold naming the option', async () => {
    const run = await cli(['nodes', '--check', '--silent-after', 'soon', '--db', db]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('silent-after');
  });
});
