import { makeNewTask, makeSchedule, schedulePeelOne } from '@rookery/core/testing';
import { createSqlDatastore, type SqlDatastore } from '@rookery/datastore-sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliJson, freshDb } from './helpers.js';

/**
 * `rookery nodes` and `rookery job show` name the executors whose pending tasks no running node
 * offers: a running node offers `offered`; the stored job `orphan` runs on `nobody-runs-this`.
 */
describe('work no running node offers', () => {
  const db = freshDb();
  let store: SqlDatastore | undefined;

  beforeAll(async () => {
    expect((await cli(['migrate', '--db', db])).code).toBe(0);
    store = await createSqlDatastore({ url: db });
    const now = await store.clockNow();
    await store.nodeRegister({ id: 'runner', host: 'h', pid: 1, executors: ['offered'], clockOffsetMs: 0 });
    for (const [name, executor, count] of [
      ['orphan', 'nobody-runs-this', 3],
      ['served', 'offered', 1],
    ] as const) {
      const schedule = makeSchedule({ name, executor, nextFireAt: now });
      await store.scheduleCreate(schedule);
      const [claimed] = await store.scheduleClaimDue({ owner: 'seed', limit: 1, lookaheadMs: 0, leaseMs: 60_000 });
      expect(claimed?.id).toBe(schedule.id);
      const tasks = Array.from({ length: count }, (_, i) => makeNewTask({ fireAt: now - 60_000 + i }));
      const peeled = await schedulePeelOne(store, {
        scheduleId: schedule.id,
        owner: 'seed',
        fence: claimed?.fence ?? -1,
        tasks,
        nextFireAt: null,
        gateTaskId: null,
        nodeId: 'seed',
      });
      expect(peeled.ok).toBe(true);
    }
  });

  afterAll(async () => {
    await store?.close();
  });

  it('nodes lists the executors with pending tasks and no running node, after the nodes', async () => {
    const { stdout, code } = await cli(['nodes', '--db', db]);
    expect(code).toBe(0);
    const [nodes, unoffered] = stdout.split('\n\n');
    expect(nodes).toMatch(/^ID\s+STATUS/);
    expect(nodes).toMatch(/runner\s+running/);
    expect(unoffered?.split('\n').slice(0, 3)).toEqual([
      'pending work no running node offers (nobody can run it):',
      expect.stringMatching(/^EXECUTOR\s+PENDING\s+OLDEST DUE$/),
      expect.stringMatching(/^nobody-runs-this\s+3\s+\d{4}-\d\d-\d\d/),
    ]);
    expect(stdout).not.toMatch(/^offered\s/m);
  });

  it('job show says when no running node offers the job executor', async () => {
    expect((await cli(['job', 'show', 'orphan', '--db', db])).stdout).toMatch(
      /\nunoffered\s+3 pending task\(s\) of executor nobody-runs-this; no running node offers it\n/,
    );
    expect((await cli(['job', 'show', 'served', '--db', db])).stdout).not.toMatch(/unoffered/);
    expect(await cliJson(['job', 'show', 'orphan', '--json', '--db', db])).toMatchObject({
      unoffered: { pending: 3, oldestDueAt: expect.any(String) },
    });
    expect(await cliJson(['job', 'show', 'served', '--json', '--db', db])).toMatchObject({ unoffered: null });
  });
});
