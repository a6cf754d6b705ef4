import { describe, expect, it } from 'vitest';
import { cli, cliJson, freshDb, runJobOnNode } from './helpers.js';

describe('rookery prune', () => {
  it('deletes finished tasks older than --older-than with their events, and keeps newer ones', async () => {
    const db = freshDb();
    const store = await runJobOnNode(db, {
      nodeId: 'prune-node',
      functions: { noop: async () => undefined },
      job: 'job',
      add: ['--exec', 'noop', '--every', '1s'],
      until: ['taskCompleted'],
    });
    try {
      const finished = (await store.taskList({ limit: 100 })).filter((t) => t.state === 'completed');
      expect(finished.length).toBeGreaterThan(0);
      expect(await cliJson(['prune', '--db', db, '--older-than', '30m', '--json'])).toEqual({
        tasks: 0,
        nodes: 0,
        schedules: 0,
      });
      // Age the history by two hours, as if it had been kept that long.
      await store.sequelize.query('UPDATE rookery_tasks SET ended_at = ended_at - 7200000 WHERE ended_at IS NOT NULL');
      expect(
        await cliJson(['prune', '--db', db, '--older-than', '30m', '--nodes-older-than', 'off', '--json']),
      ).toEqual({ tasks: finished.length, nodes: 0, schedules: 0 });
      for (const t of finished) {
        expect(await store.taskGet(t.id)).toBeUndefined();
        expect(await store.taskEvents(t.id)).toEqual([]);
      }
      const text = await cli(['prune', '--db', db]);
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(
        /deleted 0 finished task\(s\) with their events and logs, 0 done job\(s\) with their ledgers, and 0 node record\(s\)/,
      );
    } finally {
      await store.close();
    }
  });

  it('refuses a bad age with exit code 2, naming the option', async () => {
    const run = await cli(['prune', '--db', freshDb(), '--older-than', 'soon']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/older-than/);
  });
});
