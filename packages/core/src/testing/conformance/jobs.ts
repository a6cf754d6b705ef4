import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RookeryClient } from '../../client/rookery-client.js';
import type { NewJob } from '../../datastore/datastore.js';
import type { Json } from '../../json.js';
import { UnknownExecutorError } from '../../errors/unknown-executor-error.js';
import { ValidationError } from '../../errors/validation-error.js';
import { OWNER_A, type ConformanceContext } from '../fixtures.js';

/** Jobs: tasks enqueued with no schedule, claimed and run like any task; dedupe keys. */
export function describeJobs(ctx: ConformanceContext): void {
  const clientOf = (builtIns: string[] = [ctx.exec]): RookeryClient =>
    new RookeryClient({ datastore: ctx.store, builtInExecutors: builtIns });
  const job = (overrides: Partial<NewJob> = {}): NewJob => ({
    id: randomUUID(),
    executor: ctx.exec,
    payload: { n: 1 },
    policies: {
      duplicate: 'run',
      retry: { kind: 'none', maxAttempts: 1, delayMs: 1000, factor: 2, maxDelayMs: 1000, jitter: 0 },
      timeoutMs: null,
      priority: 0,
      delivery: 'at-least-once',
      taskCreation: 'ahead',
    },
    runAt: null,
    key: null,
    keyLock: null,
    ...overrides,
  });

  describe('jobs', () => {
    it('lists jobs only: the tasks with no schedule, newest first, paged, with the other filters', async () => {
      const { store, t0, seed } = ctx;
      const ledger = await seed({ tasks: [{ fireAt: t0 - 1500 }] });
      const answers = await store.taskEnqueue({
        jobs: [job({ runAt: t0 - 3000 }), job({ runAt: t0 - 2000 }), job({ runAt: t0 - 1000 })],
        now: t0,
      });
      const [j0, j1, j2] = answers.map((a) => a.task.id);
      const ids = (tasks: { id: string }[]) => tasks.map((t) => t.id);
      expect(ids(await store.taskList({ jobsOnly: true }))).toEqual([j2, j1, j0]);
      expect(ids(await store.taskList({ jobsOnly: true, limit: 2 }))).toEqual([j2, j1]);
      expect(ids(await store.taskList({ jobsOnly: true, before: { fireAt: t0 - 2000, id: j1 ?? '' } }))).toEqual([j0]);
      expect(ids(await store.taskList({ jobsOnly: true, states: ['running'] }))).toEqual([]);
      expect(ids(await store.taskList({ jobsOnly: false }))).toContain(ledger.tasks[0]?.id);
      const both = await store.taskList({ jobsOnly: true, scheduleId: ledger.schedule.id }).catch((e: unknown) => e);
      expect(both).toBeInstanceOf(ValidationError);
      expect((both as ValidationError).field).toBe('jobsOnly');
    });

    it('enqueues a job with no schedule; it is claimed, run and recorded like any task', async () => {
      const { store, t0, claim, finishAsA } = ctx;
      const [answer] = await store.taskEnqueue({ jobs: [job({ payload: { to: 'ops@example.com' } })], now: t0 });
      expect(answer).toMatchObject({
        created: true,
        task: {
          scheduleId: null,
          key: null,
          state: 'pending',
          dueAt: t0,
          fireAt: t0,
          attempt: 0,
          payload: { to: 'ops@example.com' },
          reason: 'enqueued',
        },
      });
      const id = answer?.task.id ?? '';
      expect(await store.taskGet(id)).toEqual(answer?.task);
      const { started } = await claim({ now: t0 + 1 });
      expect(started.map((t) => t.id)).toEqual([id]);
      const task = started[0];
      if (!task) throw new Error('not started');
      expect(task).toMatchObject({ scheduleId: null, state: 'running', attempt: 1, fence: 1, leaseOwner: OWNER_A });
      const done = await finishAsA(task, { state: 'completed', result: { ok: true }, reason: null }, t0 + 2);
      expect(done).toMatchObject({ state: 'completed', result: { ok: true }, scheduleId: null });
      expect((await store.taskEvents(id)).map((e) => [e.from, e.to, e.reason])).toEqual([
        [null, 'pending', 'enqueued'],
        ['pending', 'running', null],
        ['running', 'completed', null],
      ]);
    });

    it('stores every payload shape as given: null, scalars, nested objects, unicode, key order', async () => {
      const { store, t0 } = ctx;
      const payloads: Json[] = [
        null,
        'text with "quotes" and \\ backslash',
        42.5,
        true,
        [1, [2, { b: null }]],
        { z: 1, a: { y: 'é😀', x: [] } },
        { '': 'empty key' },
      ];
      const answers = await store.taskEnqueue({ jobs: payloads.map((payload) => job({ payload })), now: t0 });
      expect(answers.map((a) => a.task.payload)).toEqual(payloads);
      for (const [i, answer] of answers.entries()) {
        const stored = await store.taskGet(answer.task.id);
        expect(stored?.payload).toEqual(payloads[i]);
        expect(JSON.stringify(stored?.payload)).toBe(JSON.stringify(payloads[i]));
      }
    });

    it('a job with runAt waits for it; a retry hands it back as pending', async () => {
      const { store, t0, claim, finishAsA } = ctx;
      const [answer] = await store.taskEnqueue({ jobs: [job({ runAt: t0 + 5000 })], now: t0 });
      expect(answer?.task.dueAt).toBe(t0 + 5000);
      expect((await claim({ now: t0 + 4999 })).started).toEqual([]);
      const [task] = (await claim({ now: t0 + 5000 })).started;
      if (!task) throw new Error('not started');
      const back = await finishAsA(
        task,
        { state: 'pending', dueAt: t0 + 9000, error: 'flaky', countFailure: true, reason: 'retry 1 of 2' },
        t0 + 5001,
      );
      expect(back).toMatchObject({ state: 'pending', failures: 1, dueAt: t0 + 9000, scheduleId: null });
      expect((await claim({ now: t0 + 9000 })).started.map((t) => [t.id, t.attempt])).toEqual([[task.id, 2]]);
    });

    it('a key held by a pending or running task returns that task and writes nothing; once it ended, the key makes a new task', async () => {
      const { store, t0, claim, finishAsA } = ctx;
      const [first] = await store.taskEnqueue({ jobs: [job({ key: 'report:42' })], now: t0 });
      expect(first).toMatchObject({ created: true, task: { key: 'report:42' } });
      const [again] = await store.taskEnqueue({ jobs: [job({ key: 'report:42', payload: { n: 2 } })], now: t0 + 1 });
      expect(again).toEqual({ created: false, task: first?.task });
      const [task] = (await claim({ now: t0 + 2 })).started;
      if (!task) throw new Error('not started');
      const [whileRunning] = await store.taskEnqueue({ jobs: [job({ key: 'report:42' })], now: t0 + 3 });
      expect(whileRunning).toMatchObject({ created: false, task: { id: task.id, state: 'running' } });
      const [otherKey] = await store.taskEnqueue({ jobs: [job({ key: 'Report:42' })], now: t0 + 3 });
      expect(otherKey?.created).toBe(true);
      await finishAsA(task, { state: 'completed', result: null, reason: null }, t0 + 4);
      const [after] = await store.taskEnqueue({ jobs: [job({ key: 'report:42' })], now: t0 + 5 });
      expect(after?.created).toBe(true);
      expect(after?.task.id).not.toBe(task.id);
      const mine = (await store.taskList({ limit: 100 })).filter((t) => t.key === 'report:42');
      expect(mine.map((t) => t.state).sort()).toEqual(['completed', 'pending']);
    });

    it('a key given twice in one call makes one task; both answers name it', async () => {
      const { store, t0 } = ctx;
      const jobs = [job({ key: 'k' }), job(), job({ key: 'k' }), job({ key: 'other' })];
      const answers = await store.taskEnqueue({ jobs, now: t0 });
      expect(answers.map((a) => a.created)).toEqual([true, true, false, true]);
      expect(answers[2]?.task.id).toBe(jobs[0]?.id);
      expect(answers.map((a) => a.task.id)).toEqual([jobs[0]?.id, jobs[1]?.id, jobs[0]?.id, jobs[3]?.id]);
      expect(await store.taskList({ limit: 100 })).toHaveLength(3);
    });

    it('two enqueues of one key at once make one task; both answer it', async () => {
      const { store, t0 } = ctx;
      const answers = await Promise.all(
        [0, 1, 2, 3].map(() => store.taskEnqueue({ jobs: [job({ key: 'race' })], now: t0 })),
      );
      const flat = answers.flat();
      expect(flat.filter((a) => a.created)).toHaveLength(1);
      expect(new Set(flat.map((a) => a.task.id)).size).toBe(1);
      expect((await store.taskList({ limit: 100 })).filter((t) => t.key === 'race')).toHaveLength(1);
    });

    it('a cancelled job frees its key', async () => {
      const { store, t0 } = ctx;
      const [first] = await store.taskEnqueue({ jobs: [job({ key: 'k' })], now: t0 });
      await store.taskRequestCancel({ taskId: first?.task.id ?? '', reason: 'operator', now: t0 + 1 });
      const [second] = await store.taskEnqueue({ jobs: [job({ key: 'k' })], now: t0 + 2 });
      expect(second?.created).toBe(true);
    });

    it('the client validates every input first: a bad one is refused by its field and nothing is written', async () => {
      const client = clientOf();
      const good = { executor: ctx.exec, payload: { n: 1 } };
      const cases: [unknown, string][] = [
        [{ ...good, priority: 1.5 }, '[1].priority'],
        [{ ...good, runAt: '2026-01-01T10:00' }, '[1].runAt'],
        [{ ...good, key: '' }, '[1].key'],
        [{ ...good, key: 'x'.repeat(201) }, '[1].key'],
        [{ ...good, policies: { retry: { maxAttempts: 0 } } }, '[1].policies.retry.maxAttempts'],
        [{ ...good, policies: { misfire: 'skip' } }, '[1].policies.misfire'],
        [{ ...good, payload: { big: 'x'.repeat(70_000) } }, '[1].payload'],
        [{ ...good, executor: 'bad name' }, '[1].executor'],
        [{ ...good, name: 'x' }, '[1].name'],
      ];
      for (const [bad, field] of cases) {
        const error = await client.enqueueMany([good, bad as typeof good]).catch((e: unknown) => e);
        expect(error, field).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).field).toBe(field);
      }
      const one = await client.enqueue({ ...good, priority: 5000 }).catch((e: unknown) => e);
      expect((one as ValidationError).field).toBe('priority');
      expect(await ctx.store.taskList({ limit: 100 })).toEqual([]);
    });

    it('the client refuses an executor nobody offers unless forced, and accepts built-in executors with no node', async () => {
      const unknown = await clientOf([])
        .enqueue({ executor: ctx.exec })
        .catch((e: unknown) => e);
      expect(unknown).toBeInstanceOf(UnknownExecutorError);
      const many = await clientOf([])
        .enqueueMany([{ executor: 'process' }, { executor: ctx.exec }])
        .catch((e: unknown) => e);
      expect((many as ValidationError).field).toBe('[0].executor');
      expect(await ctx.store.taskList({ limit: 100 })).toEqual([]);
      const forced = await clientOf([]).enqueue(
        { executor: ctx.exec, key: 'k', runAt: new Date(ctx.t0 + 60_000).toISOString() },
        { force: true },
      );
      expect(forced).toMatchObject({ created: true, task: { executor: ctx.exec, key: 'k', dueAt: ctx.t0 + 60_000 } });
      const twice = await clientOf([]).enqueue({ executor: ctx.exec, key: 'k' }, { force: true });
      expect(twice).toEqual(forced && { created: false, task: forced.task });
      const builtIn = await clientOf(['process']).enqueue({
        executor: 'process',
        payload: { command: 'true' },
        priority: 7,
        policies: { timeoutMs: 1000, retry: { kind: 'fixed', maxAttempts: 3 } },
      });
      expect(builtIn.task).toMatchObject({
        executor: 'process',
        policies: { priority: 7, timeoutMs: 1000, duplicate: 'run', retry: { kind: 'fixed', maxAttempts: 3 } },
      });
    });
  });
}
