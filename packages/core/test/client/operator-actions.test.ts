import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DuplicateKeyError,
  InvalidStateError,
  MANUAL_RUN_REASON,
  NotFoundError,
  OPERATOR_RETRY_REASON,
  ValidationError,
  type Task,
} from '../../src/index.js';
import { memoryCluster, startTestNode, stopUnderFakeTime, useFakeTime } from '../node/harness.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('RookeryClient.runSchedule', () => {
  it('runs a paused schedule once now through its policies, recorded as manual, and leaves it paused', async () => {
    useFakeTime();
    const { datastore, client } = memoryCluster();
    const attempts: { payload: unknown; attempt: number }[] = [];
    await client.createSchedule(
      {
        name: 'report',
        executor: 'flaky',
        payload: { to: 'ops' },
        trigger: { kind: 'cron', expr: '0 3 * * *' },
        policies: { retry: { kind: 'fixed', maxAttempts: 2, delayMs: 1_000 } },
      },
      { force: true },
    );
    await client.pauseSchedule('report');
    const { node, errors } = await startTestNode(datastore, {
      flaky: async (ctx) => {
        attempts.push({ payload: ctx.payload, attempt: ctx.task.attempt });
        if (ctx.task.attempt === 1) throw new Error('first attempt fails');
      },
    });
    const task = await client.runSchedule('report', { payload: { to: 'me' } });
    expect(task).toMatchObject({ state: 'pending', reason: MANUAL_RUN_REASON, payload: { to: 'me' } });
    await vi.advanceTimersByTimeAsync(5_000);
    // The schedule's retry policy applies to the manual run: a second attempt completes it.
    expect(attempts.map((a) => [a.attempt, a.payload])).toEqual([
      [1, { to: 'me' }],
      [2, { to: 'me' }],
    ]);
    expect((await client.getTask(task.id)).state).toBe('completed');
    expect((await client.taskHistory(task.id))[0]).toMatchObject({
      from: null,
      to: 'pending',
      reason: MANUAL_RUN_REASON,
    });
    expect((await client.getSchedule('report')).state).toBe('paused');
    await stopUnderFakeTime(node);
    expect(errors).toEqual([]);
  });

  it('refuses an unknown schedule, a bad payload, and a retired or done schedule, writing nothing', async () => {
    const { client, datastore } = memoryCluster();
    await expect(client.runSchedule('nope')).rejects.toBeInstanceOf(NotFoundError);
    await client.createSchedule({ name: 'old', executor: 'noop', trigger: { kind: 'interval', everyMs: 60_000 } });
    await expect(client.runSchedule('old', { payload: { big: 'x'.repeat(70_000) } })).rejects.toMatchObject({
      field: 'payload',
    });
    await client.retireSchedule('old');
    const refused = client.runSchedule('old');
    await expect(refused).rejects.toBeInstanceOf(InvalidStateError);
    await expect(refused).rejects.toMatchObject({ field: 'state', entity: 'schedule', state: 'retired' });
    expect(await datastore.taskList({ limit: 10 })).toEqual([]);
  });
});

describe('RookeryClient.retryTask', () => {
  it('gives a failed task a new attempt that runs and completes; refuses it in any other state with a typed error', async () => {
    useFakeTime();
    const { datastore, client } = memoryCluster();
    let calls = 0;
    const { node, errors } = await startTestNode(datastore, {
      once: async () => {
        calls += 1;
        if (calls === 1) throw new Error('broken until fixed');
      },
    });
    const { task } = await client.enqueue({ executor: 'once', payload: null }, { force: true });
    await vi.advanceTimersByTimeAsync(2_000);
    const failed = await client.getTask(task.id);
    expect(failed).toMatchObject({ state: 'failed', attempt: 1 });
    const retried = await client.retryTask(task.id);
    expect(retried).toMatchObject({ state: 'pending', attempt: 1, reason: OPERATOR_RETRY_REASON });
    await vi.advanceTimersByTimeAsync(2_000);
    const done: Task = await client.getTask(task.id);
    expect(done).toMatchObject({ state: 'completed', attempt: 2, fence: failed.fence + 1 });
    expect((await client.taskHistory(task.id)).map((e) => `${e.from ?? '-'}>${e.to}`)).toEqual([
      '->pending',
      'pending>running',
      'running>failed',
      'failed>pending',
      'pending>running',
      'running>completed',
    ]);
    const refused = client.retryTask(task.id);
    await expect(refused).rejects.toBeInstanceOf(InvalidStateError);
    await expect(refused).rejects.toBeInstanceOf(ValidationError);
    await expect(refused).rejects.toMatchObject({ field: 'state', entity: 'task', state: 'completed' });
    await expect(client.retryTask('no-such-task')).rejects.toBeInstanceOf(NotFoundError);
    await stopUnderFakeTime(node);
    expect(errors).toEqual([]);
  });

  it('refuses a job whose key another live task holds, with a DuplicateKeyError on key', async () => {
    const { client } = memoryCluster();
    const { task } = await client.enqueue({ executor: 'noop', key: 'k' });
    await client.cancelTask(task.id);
    await client.enqueue({ executor: 'noop', key: 'k' });
    const refused = client.retryTask(task.id);
    await expect(refused).rejects.toBeInstanceOf(DuplicateKeyError);
    await expect(refused).rejects.toMatchObject({ field: 'key' });
  });
});

describe('once schedules end', () => {
  it('a once schedule is done after its run; it cannot be resumed, paused, updated or run again', async () => {
    useFakeTime();
    const { datastore, client } = memoryCluster();
    const { node, errors } = await startTestNode(datastore, { noop: async () => undefined });
    await client.createSchedule({
      name: 'launch',
      executor: 'noop',
      trigger: { kind: 'once', at: Date.now() + 1_000 },
    });
    await vi.advanceTimersByTimeAsync(3_000);
    expect(await client.getSchedule('launch')).toMatchObject({ state: 'done', nextFireAt: null });
    expect((await client.listSchedules({ states: ['done'] })).map((s) => s.name)).toEqual(['launch']);
    expect((await client.previewSchedule('launch')).fireTimes).toEqual([]);
    for (const refused of [
      client.resumeSchedule('launch'),
      client.pauseSchedule('launch'),
      client.runSchedule('launch'),
    ]) {
      await expect(refused).rejects.toMatchObject({ field: 'state', state: 'done' });
    }
    await expect(client.updateSchedule('launch', { payload: 1 })).rejects.toMatchObject({ field: 'state' });
    await stopUnderFakeTime(node);
    expect(errors).toEqual([]);
  });
});

describe('RookeryClient.syncSchedules with dryRun', () => {
  it('answers what a sync would do after the same checks, and writes nothing', async () => {
    const { client, datastore } = memoryCluster();
    await client.createSchedule({ name: 'keep', executor: 'noop', trigger: { kind: 'interval', everyMs: 60_000 } });
    await client.createSchedule({ name: 'change', executor: 'noop', trigger: { kind: 'interval', everyMs: 60_000 } });
    await client.createSchedule({ name: 'drop', executor: 'noop', trigger: { kind: 'interval', everyMs: 60_000 } });
    const before = await datastore.scheduleList({ limit: 10 });
    const every = (name: string, everyMs: number) => ({
      name,
      executor: 'noop',
      trigger: { kind: 'interval' as const, everyMs },
    });
    const dry = await client.syncSchedules([every('keep', 60_000), every('change', 120_000), every('new', 60_000)], {
      prune: true,
      dryRun: true,
    });
    expect(dry.map((s) => [s.name, s.outcome])).toEqual([
      ['keep', 'unchanged'],
      ['change', 'updated'],
      ['new', 'created'],
      ['drop', 'deleted'],
    ]);
    expect(dry[1]?.schedule.trigger).toMatchObject({ everyMs: 120_000 });
    expect(await datastore.scheduleList({ limit: 10 })).toEqual(before);
    await expect(client.syncSchedules([every('bad', 10)], { dryRun: true })).rejects.toMatchObject({
      field: '[0].trigger.everyMs',
    });
    // A changed schedule that cannot change refuses the dry run and the real one alike, and the
    // real one writes nothing, not even the inputs before it.
    await client.retireSchedule('change');
    const retired = await datastore.scheduleList({ limit: 10 });
    for (const dryRun of [true, false]) {
      await expect(
        client.syncSchedules([every('new', 60_000), every('change', 180_000)], { dryRun }),
      ).rejects.toMatchObject({ field: '[1].state' });
    }
    expect(await datastore.scheduleList({ limit: 10 })).toEqual(retired);
  });
});
