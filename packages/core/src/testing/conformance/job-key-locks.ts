import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RookeryClient } from '../../client/rookery-client.js';
import type { NewJob } from '../../datastore/datastore.js';
import { ValidationError } from '../../errors/validation-error.js';
import type { ConformanceContext } from '../fixtures.js';

/** Key scopes that outlive a task (`ever`, a period): key locks held by stored tasks whatever their state. */
export function describeJobKeyLocks(ctx: ConformanceContext): void {
  const job = (key: string, keyLock: string | null): NewJob => ({
    id: randomUUID(),
    executor: ctx.exec,
    payload: null,
    policies: {
      duplicate: 'run',
      retry: { kind: 'none', maxAttempts: 1, delayMs: 1000, factor: 2, maxDelayMs: 1000, jitter: 0 },
      timeoutMs: null,
      priority: 0,
      delivery: 'at-least-once',
      taskCreation: 'ahead',
    },
    runAt: null,
    key,
    keyLock,
  });

  describe('job key locks', () => {
    it('a key lock answers for its task after the task has ended, until the task is deleted', async () => {
      const { store, t0, claim, finishAsA } = ctx;
      const [first] = await store.taskEnqueue({ jobs: [job('nightly', 'ever:nightly')], now: t0 });
      const [task] = (await claim({ now: t0 + 1 })).started;
      if (!task) throw new Error('not started');
      await finishAsA(task, { state: 'completed', result: null, reason: null }, t0 + 2);
      const [again] = await store.taskEnqueue({ jobs: [job('nightly', 'ever:nightly')], now: t0 + 3 });
      expect(again).toMatchObject({ created: false, task: { id: first?.task.id, state: 'completed' } });
      expect(await store.historyPrune({ endedBefore: t0 + 10, limit: 100 })).toBe(1);
      const [afterPrune] = await store.taskEnqueue({ jobs: [job('nightly', 'ever:nightly')], now: t0 + 11 });
      expect(afterPrune?.created).toBe(true);
      expect(afterPrune?.task.id).not.toBe(first?.task.id);
    });

    it('a lock of one period does not answer another, and a live task holds its key for every lock', async () => {
      const { store, t0 } = ctx;
      const [a] = await store.taskEnqueue({ jobs: [job('r', 'period:1000:5:r')], now: t0 });
      await store.taskRequestCancel({ taskId: a?.task.id ?? '', reason: 'operator', now: t0 + 1 });
      const [b] = await store.taskEnqueue({ jobs: [job('r', 'period:1000:5:r')], now: t0 + 2 });
      expect(b).toMatchObject({ created: false, task: { id: a?.task.id, state: 'cancelled' } });
      const [c] = await store.taskEnqueue({ jobs: [job('r', 'period:1000:6:r')], now: t0 + 3 });
      expect(c?.created).toBe(true);
      const [d, e] = await store.taskEnqueue({ jobs: [job('r', 'period:1000:7:r'), job('r', null)], now: t0 + 4 });
      expect([d?.created, d?.task.id, e?.created, e?.task.id]).toEqual([false, c?.task.id, false, c?.task.id]);
      expect((await store.taskList({ limit: 100 })).filter((t) => t.key === 'r')).toHaveLength(2);
    });

    it('two enqueues of one key lock at once make one task; both answer it', async () => {
      const { store, t0 } = ctx;
      const answers = (
        await Promise.all([0, 1, 2].map(() => store.taskEnqueue({ jobs: [job('once', 'ever:once')], now: t0 })))
      ).flat();
      expect(answers.filter((x) => x.created)).toHaveLength(1);
      expect(new Set(answers.map((x) => x.task.id)).size).toBe(1);
    });

    it("the client's keyScope: 'ever' keeps the key after its task ended, 'live' frees it, and a bad scope is refused by its field", async () => {
      const client = new RookeryClient({ datastore: ctx.store, builtInExecutors: [ctx.exec] });
      const first = await client.enqueue({ executor: ctx.exec, key: 'import:42', keyScope: 'ever' });
      await client.cancelTask(first.task.id);
      const ever = await client.enqueue({ executor: ctx.exec, key: 'import:42', keyScope: 'ever' });
      expect(ever).toMatchObject({ created: false, task: { id: first.task.id, state: 'cancelled' } });
      const live = await client.enqueue({ executor: ctx.exec, key: 'import:42' });
      expect(live.created).toBe(true);
      const hour = await client.enqueueMany([
        { executor: ctx.exec, key: 'digest', keyScope: { periodMs: 3_600_000 } },
        { executor: ctx.exec, key: 'digest', keyScope: { periodMs: 3_600_000 } },
      ]);
      expect(hour.map((x) => x.created)).toEqual([true, false]);
      const cases: [unknown, string][] = [
        [{ executor: ctx.exec, keyScope: 'ever' }, 'keyScope'],
        [{ executor: ctx.exec, key: 'k', keyScope: 'sometimes' }, 'keyScope'],
        [{ executor: ctx.exec, key: 'k', keyScope: { periodMs: 10 } }, 'keyScope.periodMs'],
        [{ executor: ctx.exec, key: 'k', keyScope: { periodMs: 60_000, anchor: 0 } }, 'keyScope.anchor'],
      ];
      const before = await ctx.store.taskList({ limit: 100 });
      for (const [bad, field] of cases) {
        const error = await client.enqueue(bad as { executor: string }).catch((x: unknown) => x);
        expect(error, field).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).field).toBe(field);
      }
      expect(await ctx.store.taskList({ limit: 100 })).toHaveLength(before.length);
    });
  });
}
