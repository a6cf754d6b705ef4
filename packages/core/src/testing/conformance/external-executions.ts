import { describe, expect, it } from 'vitest';
import { LEASE, makePolicies, OWNER_A, OWNER_B, type ConformanceContext } from '../fixtures.js';
import { taskFinishOne } from '../one-of-many.js';

/**
 * External executions that outlive their node: the execution id is recorded under the
 * attempt's lease; repair leaves such a task to adoption, which takes it with a new fence
 * instead of rerunning it; outcomes reported from outside are accepted only for the task's
 * current execution and reach the lease holder of the moment.
 */
export function describeExternalExecutions(ctx: ConformanceContext): void {
  describe('external executions', () => {
    it('records the execution id only under the attempt’s lease', async () => {
      const { store, t0, running, taskOf } = ctx;
      const { task } = await running();
      const base = { taskId: task.id, executionId: 'exec-1' };
      expect(await store.taskSetExecution({ ...base, owner: OWNER_B, fence: task.fence, now: t0 + 1 })).toBe(false);
      expect(await store.taskSetExecution({ ...base, owner: OWNER_A, fence: task.fence - 1, now: t0 + 1 })).toBe(false);
      expect(await store.taskSetExecution({ ...base, owner: OWNER_A, fence: task.fence, now: t0 + LEASE + 1 })).toBe(
        false,
      );
      expect((await taskOf(task.id)).executionId).toBeNull();
      expect(await store.taskSetExecution({ ...base, owner: OWNER_A, fence: task.fence, now: t0 + 1 })).toBe(true);
      expect(await taskOf(task.id)).toMatchObject({
        executionId: 'exec-1',
        state: 'running',
        fence: task.fence,
        leaseOwner: OWNER_A,
      });
    });

    it('repair leaves an expired task with an execution to adoption, which takes it with fence + 1 and the same attempt', async () => {
      const { store, t0, exec, running, taskOf, finishAsA } = ctx;
      const { task } = await running();
      await store.taskSetExecution({
        taskId: task.id,
        owner: OWNER_A,
        fence: task.fence,
        executionId: 'exec-1',
        now: t0 + 1,
      });
      const after = t0 + LEASE + 1;
      expect(await store.taskRepairExpired({ nodeId: 'repairer', limit: 10, maxRepairs: 5, now: after })).toEqual([]);
      const adopt = { owner: OWNER_B, nodeId: 'node-b', limit: 10, leaseMs: LEASE };
      expect(await store.taskAdoptExpired({ ...adopt, executors: [exec], now: t0 + LEASE - 1 })).toEqual([]);
      expect(await store.taskAdoptExpired({ ...adopt, executors: ['another-executor'], now: after })).toEqual([]);
      const adopted = await store.taskAdoptExpired({ ...adopt, executors: [exec], now: after });
      expect(adopted).toHaveLength(1);
      expect(adopted[0]).toMatchObject({ previousOwner: OWNER_A, report: null });
      expect(adopted[0]?.task).toMatchObject({
        id: task.id,
        state: 'running',
        attempt: task.attempt,
        repairs: 0,
        fence: task.fence + 1,
        executionId: 'exec-1',
        leaseOwner: OWNER_B,
        leaseExpiresAt: after + LEASE,
        nodeId: 'node-b',
      });
      expect(adopted[0]?.task.reason).toBe(
        `adopted: lease of ${OWNER_A} expired; node node-b watches external execution exec-1`,
      );
      expect(await store.taskGet(task.id)).toEqual(adopted[0]?.task);
      expect((await store.taskEvents(task.id)).at(-1)).toMatchObject({
        from: 'running',
        to: 'running',
        nodeId: 'node-b',
        at: after,
        fence: task.fence + 1,
      });
      expect(await store.taskAdoptExpired({ ...adopt, executors: [exec], now: after + 1 })).toEqual([]);

      // The old holder can never write again; the adopter commits under its fence.
      const before = await taskOf(task.id);
      expect(await finishAsA(task, { state: 'completed', result: 'stale', reason: null }, after + 2)).toBeUndefined();
      expect(
        await store.taskSetExecution({
          taskId: task.id,
          owner: OWNER_A,
          fence: task.fence,
          executionId: 'exec-2',
          now: after + 2,
        }),
      ).toBe(false);
      const renewal = await store.taskRenewLeases({
        owner: OWNER_A,
        leases: [{ taskId: task.id, fence: task.fence }],
        leaseMs: LEASE,
        now: after + 2,
      });
      expect(renewal.lost).toEqual([task.id]);
      expect(await taskOf(task.id)).toEqual(before);
      const done = await taskFinishOne(store, {
        taskId: task.id,
        owner: OWNER_B,
        fence: task.fence + 1,
        nodeId: 'node-b',
        outcome: { state: 'completed', result: { rows: 3 }, reason: 'completed on node node-b' },
        now: after + 3,
      });
      expect(done).toMatchObject({ state: 'completed', result: { rows: 3 }, attempt: 1, executionId: 'exec-1' });
    });

    it('adopts at-most-once and cancel-requested tasks too (their execution is watched, never started again), at most limit per call', async () => {
      const { store, t0, exec, seed, claim } = ctx;
      await seed({ tasks: [{}, {}, {}], schedule: { policies: makePolicies({ delivery: 'at-most-once' }) } });
      const { started } = await claim();
      for (const t of started) {
        await store.taskSetExecution({
          taskId: t.id,
          owner: OWNER_A,
          fence: t.fence,
          executionId: `exec-${t.id}`,
          now: t0 + 1,
        });
      }
      const first = started[0];
      if (!first) throw new Error('nothing started');
      await store.taskRequestCancel({ taskId: first.id, reason: 'operator', now: t0 + 2 });
      const now = t0 + LEASE + 1;
      expect(await store.taskRepairExpired({ nodeId: 'r', limit: 10, maxRepairs: 5, now })).toEqual([]);
      const adopt = { owner: OWNER_B, nodeId: 'node-b', executors: [exec], limit: 2, leaseMs: LEASE, now };
      const a = await store.taskAdoptExpired(adopt);
      const b = await store.taskAdoptExpired(adopt);
      expect(a).toHaveLength(2);
      expect(b).toHaveLength(1);
      const all = [...a, ...b].map((x) => x.task);
      expect(new Set(all.map((t) => t.id)).size).toBe(3);
      expect(all.every((t) => t.state === 'running' && t.leaseOwner === OWNER_B)).toBe(true);
      expect(all.find((t) => t.id === first.id)?.cancelRequested).toBe(true);
    });

    it('a holder hands its execution over: the lease ends now, the task stays running and is adoptable at once', async () => {
      const { store, t0, exec, running, taskOf } = ctx;
      const { task } = await running();
      const lease = { taskId: task.id, owner: OWNER_A, fence: task.fence };
      expect(await store.taskHandOver({ ...lease, now: t0 + 1 })).toBe(false); // no execution to hand over
      await store.taskSetExecution({ ...lease, executionId: 'exec-1', now: t0 + 1 });
      expect(await store.taskHandOver({ ...lease, owner: OWNER_B, now: t0 + 2 })).toBe(false);
      expect(await store.taskHandOver({ ...lease, fence: task.fence - 1, now: t0 + 2 })).toBe(false);
      expect(await store.taskHandOver({ ...lease, now: t0 + LEASE + 1 })).toBe(false);
      expect(await store.taskHandOver({ ...lease, now: t0 + 10 })).toBe(true);
      expect(await taskOf(task.id)).toMatchObject({
        state: 'running',
        fence: task.fence,
        leaseOwner: OWNER_A,
        leaseExpiresAt: t0 + 10,
        executionId: 'exec-1',
      });
      expect(await store.taskHandOver({ ...lease, now: t0 + 11 })).toBe(false);
      const [adopted] = await store.taskAdoptExpired({
        owner: OWNER_B,
        nodeId: 'node-b',
        executors: [exec],
        limit: 10,
        leaseMs: LEASE,
        now: t0 + 11,
      });
      expect(adopted?.task).toMatchObject({ id: task.id, fence: task.fence + 1, leaseOwner: OWNER_B, attempt: 1 });
    });

    it('a task handed back to pending forgets its execution, so a later expired lease is repaired as usual', async () => {
      const { store, t0, claim, running, finishAsA } = ctx;
      const { task } = await running();
      await store.taskSetExecution({
        taskId: task.id,
        owner: OWNER_A,
        fence: task.fence,
        executionId: 'exec-1',
        now: t0 + 1,
      });
      const back = await finishAsA(
        task,
        { state: 'pending', dueAt: t0 + 10, error: 'flaky', countFailure: true, reason: 'retry' },
        t0 + 5,
      );
      expect(back).toMatchObject({ state: 'pending', executionId: null });
      const [again] = (await claim({ owner: OWNER_B, now: t0 + 10 })).started;
      expect(again).toMatchObject({ id: task.id, executionId: null, attempt: 2 });
      const repaired = await store.taskRepairExpired({
        nodeId: 'r',
        limit: 10,
        maxRepairs: 5,
        now: t0 + 10 + LEASE + 1,
      });
      expect(repaired.map((r) => r.task.state)).toEqual(['pending']);
    });

    it('accepts a report only for the task’s current execution while it runs, once', async () => {
      const { store, t0, running, finishAsA } = ctx;
      const { task } = await running();
      const completed = { state: 'completed', result: { ok: true } } as const;
      expect(
        await store.taskReportExecution({ taskId: task.id, executionId: 'exec-1', status: completed, now: t0 + 1 }),
      ).toBeUndefined();
      await store.taskSetExecution({
        taskId: task.id,
        owner: OWNER_A,
        fence: task.fence,
        executionId: 'exec-1',
        now: t0 + 1,
      });
      expect(
        await store.taskReportExecution({ taskId: task.id, executionId: 'exec-other', status: completed, now: t0 + 2 }),
      ).toBeUndefined();
      expect(
        await store.taskReportExecution({
          taskId: 'no-such-task',
          executionId: 'exec-1',
          status: completed,
          now: t0 + 2,
        }),
      ).toBeUndefined();
      const accepted = await store.taskReportExecution({
        taskId: task.id,
        executionId: 'exec-1',
        status: completed,
        now: t0 + 2,
      });
      expect(accepted).toMatchObject({ id: task.id, state: 'running', executionId: 'exec-1' });
      const failed = { state: 'failed', error: 'late', retryable: false } as const;
      expect(
        await store.taskReportExecution({ taskId: task.id, executionId: 'exec-1', status: failed, now: t0 + 3 }),
      ).toBeUndefined();

      // The holder learns of it on renewal and commits it under its own lease.
      const renewal = await store.taskRenewLeases({
        owner: OWNER_A,
        leases: [{ taskId: task.id, fence: task.fence }],
        leaseMs: LEASE,
        now: t0 + 4,
      });
      expect(renewal.executionReports).toEqual([{ taskId: task.id, executionId: 'exec-1', status: completed }]);
      await finishAsA(task, { state: 'completed', result: { ok: true }, reason: null }, t0 + 5);
      expect(
        await store.taskReportExecution({ taskId: task.id, executionId: 'exec-1', status: failed, now: t0 + 6 }),
      ).toBeUndefined();
    });

    it('hands a report stored while no node held the task to its adopter; a new execution drops an old report', async () => {
      const { store, t0, exec, seed, claim } = ctx;
      await seed({ tasks: [{}, {}] });
      const [one, two] = (await claim()).started;
      if (!one || !two) throw new Error('two tasks did not start');
      await store.taskSetExecution({
        taskId: one.id,
        owner: OWNER_A,
        fence: one.fence,
        executionId: 'exec-one',
        now: t0 + 1,
      });
      await store.taskSetExecution({
        taskId: two.id,
        owner: OWNER_A,
        fence: two.fence,
        executionId: 'exec-two',
        now: t0 + 1,
      });
      const failed = { state: 'failed', error: 'out of memory', retryable: true } as const;
      expect(
        await store.taskReportExecution({
          taskId: one.id,
          executionId: 'exec-one',
          status: failed,
          now: t0 + LEASE + 5,
        }),
      ).toBeDefined();
      await store.taskReportExecution({ taskId: two.id, executionId: 'exec-two', status: failed, now: t0 + 2 });
      expect(
        await store.taskSetExecution({
          taskId: two.id,
          owner: OWNER_A,
          fence: two.fence,
          executionId: 'exec-two-again',
          now: t0 + 3,
        }),
      ).toBe(true);
      const renewal = await store.taskRenewLeases({
        owner: OWNER_A,
        leases: [{ taskId: two.id, fence: two.fence }],
        leaseMs: LEASE,
        now: t0 + 4,
      });
      expect(renewal).toMatchObject({ renewed: [two.id], executionReports: [] });

      const adopted = await store.taskAdoptExpired({
        owner: OWNER_B,
        nodeId: 'node-b',
        executors: [exec],
        limit: 10,
        leaseMs: LEASE,
        now: t0 + LEASE + 10,
      });
      expect(adopted.map((a) => [a.task.id, a.report])).toEqual([
        [one.id, failed],
        [two.id, null],
      ]);
    });

    it('an adopted duplicate-skip task keeps its schedule’s run slot', async () => {
      const { store, t0, exec, seed, claim } = ctx;
      const { tasks } = await seed({
        tasks: [{ dueAt: t0 }, { dueAt: t0 + 2 * LEASE }],
        schedule: { policies: makePolicies({ duplicate: 'skip' }) },
      });
      const [first] = (await claim()).started;
      if (!first) throw new Error('first task did not start');
      await store.taskSetExecution({
        taskId: first.id,
        owner: OWNER_A,
        fence: first.fence,
        executionId: 'exec-1',
        now: t0 + 1,
      });
      await store.taskAdoptExpired({
        owner: OWNER_B,
        nodeId: 'node-b',
        executors: [exec],
        limit: 10,
        leaseMs: 3 * LEASE,
        now: t0 + LEASE + 1,
      });
      const { started, settled } = await claim({ owner: OWNER_B, now: t0 + 2 * LEASE });
      expect(started).toEqual([]);
      expect(settled.map((t) => [t.id, t.state])).toEqual([[tasks[1]?.id, 'skipped']]);
    });
  });
}
