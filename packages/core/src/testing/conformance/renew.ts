import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Task } from '../../model/task.js';
import { LEASE, OWNER_A, OWNER_B, type ConformanceContext } from '../fixtures.js';

/** Renewing task leases: from `now`, lost leases, several at once, none. */
export function describeRenew(ctx: ConformanceContext): void {
  describe('renew', () => {
    it('renews live leases from now and reports the new expiry', async () => {
      const { store, t0, running, taskOf } = ctx;
      const { task } = await running();
      const r = await store.taskRenewLeases({
        owner: OWNER_A,
        leases: [{ taskId: task.id, fence: task.fence }],
        leaseMs: LEASE,
        now: t0 + 10_000,
      });
      expect(r).toEqual({
        renewed: [task.id],
        lost: [],
        cancelRequested: [],
        executionReports: [],
        expiresAt: t0 + 10_000 + LEASE,
      });
      expect(await taskOf(task.id)).toMatchObject({
        leaseExpiresAt: t0 + 10_000 + LEASE,
        fence: task.fence,
        state: 'running',
      });
    });

    it('reports a stale fence, another owner, or an expired lease as lost and leaves the row alone', async () => {
      const { store, t0, running, taskOf } = ctx;
      const { task } = await running();
      const before = await taskOf(task.id);
      const stale = await store.taskRenewLeases({
        owner: OWNER_A,
        leases: [{ taskId: task.id, fence: task.fence - 1 }],
        leaseMs: LEASE,
        now: t0 + 1,
      });
      expect(stale.lost).toEqual([task.id]);
      const other = await store.taskRenewLeases({
        owner: OWNER_B,
        leases: [{ taskId: task.id, fence: task.fence }],
        leaseMs: LEASE,
        now: t0 + 1,
      });
      expect(other.lost).toEqual([task.id]);
      const expired = await store.taskRenewLeases({
        owner: OWNER_A,
        leases: [{ taskId: task.id, fence: task.fence }],
        leaseMs: LEASE,
        now: t0 + LEASE + 1,
      });
      expect(expired).toMatchObject({ renewed: [], lost: [task.id] });
      expect(await taskOf(task.id)).toEqual(before);
    });

    it('renews several leases in one call and splits renewed from lost', async () => {
      const { store, t0, seed, claim } = ctx;
      const { tasks } = await seed({ tasks: [{}, {}, {}] });
      const { started } = await claim();
      expect(started).toHaveLength(3);
      const [a, b, c] = started as [Task, Task, Task];
      const r = await store.taskRenewLeases({
        owner: OWNER_A,
        leases: [
          { taskId: a.id, fence: a.fence },
          { taskId: b.id, fence: b.fence + 1 },
          { taskId: c.id, fence: c.fence },
          { taskId: randomUUID(), fence: 1 },
        ],
        leaseMs: LEASE,
        now: t0 + 5,
      });
      expect(r.renewed.sort()).toEqual([a.id, c.id].sort());
      expect(r.lost).toContain(b.id);
      expect(r.lost).toHaveLength(2);
      expect(tasks).toHaveLength(3);
    });

    it('returns an empty result for no leases', async () => {
      const { store, t0 } = ctx;
      expect(await store.taskRenewLeases({ owner: OWNER_A, leases: [], leaseMs: LEASE, now: t0 })).toEqual({
        renewed: [],
        lost: [],
        cancelRequested: [],
        executionReports: [],
        expiresAt: t0 + LEASE,
      });
    });
  });
}
