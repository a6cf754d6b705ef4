import { makeSchedule } from '@rookery/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlDatastore, type SqlDatastore } from '../src/index.js';
import { testDialects, type TestDatabase } from './helpers/test-databases.js';

/**
 * The PostgreSQL hot paths run as named prepared statements, one per connection. A node of a
 * newer version may migrate the tables under a running older node (a rolling upgrade): a
 * statement prepared before a column was added then fails with "cached plan must not change
 * result type". The store must prepare it afresh and go on, not fail every claim.
 */
for (const dialect of (await testDialects()).filter((d) => d.label === 'postgres')) {
  describe.skipIf(!dialect.available)(`prepared hot-path statements on ${dialect.label}`, () => {
    let db: TestDatabase | undefined;
    let store: SqlDatastore;

    beforeAll(async () => {
      db = await dialect.create();
      // One connection: the statement prepared by the first claim is the one the second meets.
      store = await createSqlDatastore({ url: db.url, poolMax: 1 });
    });

    afterAll(async () => {
      await store?.close();
      await db?.drop();
    });

    it('survive a column added under them (a newer node migrating)', async () => {
      const claim = (): ReturnType<SqlDatastore['taskClaimDue']> =>
        store.taskClaimDue({ owner: 'o', nodeId: 'n', limit: 5, leaseMs: 10_000, executors: ['echo'] });
      expect((await claim()).started).toEqual([]);
      const schedule = makeSchedule({ executor: 'echo', nextFireAt: 0 });
      await store.scheduleCreate(schedule);
      const [claimed] = await store.scheduleClaimDue({ owner: 'o', limit: 5, lookaheadMs: 0, leaseMs: 10_000 });
      expect(claimed?.id).toBe(schedule.id);
      await store.sequelize.query('ALTER TABLE rookery_tasks ADD COLUMN added_by_a_newer_node INTEGER NULL');
      await store.sequelize.query('ALTER TABLE rookery_schedules ADD COLUMN added_by_a_newer_node INTEGER NULL');
      const [peeled] = await store.schedulePeelMany({
        peels: [
          {
            scheduleId: schedule.id,
            owner: 'o',
            fence: claimed?.fence ?? -1,
            nodeId: 'n',
            nextFireAt: null,
            gateTaskId: null,
            tasks: [
              {
                id: 'task-1',
                fireAt: 0,
                spanEndAt: null,
                spanCount: 1,
                dueAt: 0,
                deadlineAt: null,
                state: 'pending',
                reason: null,
              },
            ],
          },
        ],
      });
      expect(peeled?.ok).toBe(true);
      const { started } = await claim();
      expect(started.map((t) => t.id)).toEqual(['task-1']);
    });
  });
}
