import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RookeryClient, ValidationError, type Datastore, type Json, type Schedule } from '../../src/index.js';
import { memoryCluster, memoryWakeBus, startTestNode, stopUnderFakeTime, useFakeTime } from './harness.js';

beforeEach(() => useFakeTime());
afterEach(() => vi.useRealTimers());

/** An executor object whose `validate` wants `{ to: '<an address with @>' }`, and that records its runs. */
function mailer(runs: Json[], checked: Json[] = []) {
  return {
    validate: async (payload: Json) => {
      checked.push(payload);
      const to = typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? payload['to'] : undefined;
      if (typeof to !== 'string' || !to.includes('@'))
        throw new ValidationError('payload.to', `must be an e-mail address, got ${JSON.stringify(to)}`);
    },
    start: async (ctx: { payload: Json }) => {
      runs.push(ctx.payload);
      return { kind: 'done' as const, result: null };
    },
  };
}

const every = { kind: 'interval', everyMs: 1_000 } as const;

describe('asynchronous validation of schedules submitted with a client id', () => {
  it('stores a submission pending at once; a node validates it, activates it, and it fires', async () => {
    const { datastore, client } = memoryCluster();
    const runs: Json[] = [];
    const s = await client.createSchedule({
      name: 'report',
      executor: 'mail',
      payload: { to: 'ops@example.com' },
      trigger: every,
      clientId: 'team-a',
    });
    expect(s).toMatchObject({ state: 'pending-validation', clientId: 'team-a', nextFireAt: null, validation: null });
    expect(await client.validations({ clientId: 'team-a' })).toMatchObject([
      { scheduleId: s.id, state: 'pending', validatedBy: null },
    ]);

    const { node, events, errors } = await startTestNode(datastore, { mail: mailer(runs) }, { id: 'node-1' });
    const validated: Schedule[] = [];
    events.on('scheduleValidated', (v) => validated.push(v));
    await vi.advanceTimersByTimeAsync(5_500);
    await stopUnderFakeTime(node);

    expect(validated.map((v) => v.id)).toEqual([s.id]);
    const [submission] = await client.validations({ clientId: 'team-a' });
    expect(submission).toMatchObject({
      state: 'active',
      scheduleState: 'active',
      field: null,
      reason: null,
      validatedBy: 'node-1',
    });
    expect(runs.length).toBeGreaterThanOrEqual(3);
    const tasks = await datastore.taskList({ scheduleId: s.id });
    expect(tasks.filter((t) => t.state === 'completed')).toHaveLength(runs.length);
    expect(errors).toEqual([]);
  });

  it('rejects an invalid submission with the reason naming the field, and it never fires', async () => {
    const { datastore, client } = memoryCluster();
    const runs: Json[] = [];
    const s = await client.createSchedule({
      name: 'bad-report',
      executor: 'mail',
      payload: { to: 'nobody' },
      trigger: every,
      clientId: 'team-a',
    });
    const { node, events, errors } = await startTestNode(datastore, { mail: mailer(runs) }, { id: 'node-1' });
    const rejected: Schedule[] = [];
    events.on('scheduleRejected', (r) => rejected.push(r));
    await vi.advanceTimersByTimeAsync(5_000);
    await stopUnderFakeTime(node);

    expect(rejected.map((r) => r.id)).toEqual([s.id]);
    expect(await client.validations({ clientId: 'team-a' })).toEqual([
      expect.objectContaining({
        scheduleId: s.id,
        name: 'bad-report',
        state: 'rejected',
        scheduleState: 'rejected',
        field: 'payload.to',
        reason: 'payload.to: must be an e-mail address, got "nobody"',
        validatedBy: 'node-1',
      }),
    ]);
    expect(runs).toEqual([]);
    expect(await datastore.taskList({ scheduleId: s.id })).toEqual([]);
    await expect(client.resumeSchedule('bad-report')).rejects.toMatchObject({ field: 'state' });
    expect(errors).toEqual([]);
  });

  it('leaves a submission whose executor no node has pending, listed as such, and never fires it', async () => {
    const { datastore, client } = memoryCluster();
    const s = await client.createSchedule({
      name: 'orphan',
      executor: 'nobody-runs-this',
      payload: null,
      trigger: every,
      clientId: 'team-b',
    });
    const { node, errors } = await startTestNode(datastore, { mail: mailer([]) });
    await vi.advanceTimersByTimeAsync(5_000);
    await stopUnderFakeTime(node);
    expect(await client.validations({ clientId: 'team-b' })).toMatchObject([
      { scheduleId: s.id, state: 'pending', scheduleState: 'pending-validation', reason: null },
    ]);
    expect(await datastore.taskList({ scheduleId: s.id })).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('recognises the ValidationError of another copy of @rookery/core by its code and field', async () => {
    const { datastore, client } = memoryCluster();
    const foreign = Object.assign(new Error('payload.url: not a URL'), { code: 'VALIDATION', field: 'payload.url' });
    const bundled = {
      validate: () => Promise.reject(foreign),
      start: async () => ({ kind: 'done' as const, result: null }),
    };
    await client.createSchedule({
      name: 'bundled',
      executor: 'bundled',
      payload: null,
      trigger: every,
      clientId: 'team-h',
    });
    const { node, errors } = await startTestNode(datastore, { bundled });
    await vi.advanceTimersByTimeAsync(2_000);
    await stopUnderFakeTime(node);
    expect(await client.validations({ clientId: 'team-h' })).toMatchObject([
      { state: 'rejected', field: 'payload.url', reason: 'payload.url: not a URL' },
    ]);
    expect(errors).toEqual([]);
  });

  it('accepts every payload of an executor without validate', async () => {
    const { datastore, client } = memoryCluster();
    const runs: number[] = [];
    await client.createSchedule({
      name: 'tick',
      executor: 'noop',
      payload: 'anything',
      trigger: every,
      clientId: 'team-c',
    });
    const { node } = await startTestNode(datastore, { noop: async (ctx) => void runs.push(ctx.task.fireAt) });
    await vi.advanceTimersByTimeAsync(4_000);
    await stopUnderFakeTime(node);
    expect(await client.validations({ clientId: 'team-c' })).toMatchObject([{ state: 'active' }]);
    expect(runs.length).toBeGreaterThan(0);
  });

  it('reports an unexpected validate error as generalError and keeps the submission pending until a later try succeeds', async () => {
    const { datastore, client } = memoryCluster();
    let calls = 0;
    const flaky = {
      validate: () => {
        calls += 1;
        if (calls === 1) throw new Error('registry unreachable');
      },
      start: async () => ({ kind: 'done' as const, result: null }),
    };
    await client.createSchedule({
      name: 'flaky',
      executor: 'flaky',
      payload: null,
      trigger: every,
      clientId: 'team-d',
    });
    const { node, errors } = await startTestNode(datastore, { flaky }, { leaseMs: 3_000 });
    await vi.advanceTimersByTimeAsync(1_500);
    expect(errors.map((e) => e.message)).toEqual(['registry unreachable']);
    expect(await client.validations({ clientId: 'team-d' })).toMatchObject([{ state: 'pending' }]);
    // The claim's lease (3 s) expires, and the next round validates it.
    await vi.advanceTimersByTimeAsync(4_000);
    await stopUnderFakeTime(node);
    expect(await client.validations({ clientId: 'team-d' })).toMatchObject([{ state: 'active' }]);
    expect(calls).toBe(2);
  });

  it('gives up on a validate that outlasts half the lease: a generalError, and the submission stays pending', async () => {
    const { datastore, client } = memoryCluster();
    const stuck = {
      validate: () => new Promise<void>(() => undefined),
      start: async () => ({ kind: 'done' as const, result: null }),
    };
    await client.createSchedule({
      name: 'stuck',
      executor: 'stuck',
      payload: null,
      trigger: every,
      clientId: 'team-g',
    });
    const { node, errors } = await startTestNode(datastore, { stuck }, { leaseMs: 3_000, validateEveryMs: 1_000 });
    await vi.advanceTimersByTimeAsync(2_600);
    await stopUnderFakeTime(node);
    expect(errors).toEqual([expect.objectContaining({ code: 'VALIDATION_TIMEOUT' })]);
    expect(errors[0]?.message).toContain('took longer than 1500 ms');
    expect(await client.validations({ clientId: 'team-g' })).toMatchObject([{ state: 'pending' }]);
  });

  it('two nodes never validate the same submission twice', async () => {
    const { datastore, client } = memoryCluster();
    const checked: Json[] = [];
    for (let i = 0; i < 20; i += 1) {
      await client.createSchedule({
        name: `s${i}`,
        executor: 'mail',
        payload: { to: `u${i}@example.com` },
        trigger: every,
        clientId: 'team-e',
      });
    }
    const a = await startTestNode(datastore, { mail: mailer([], checked) }, { id: 'a' });
    const b = await startTestNode(datastore, { mail: mailer([], checked) }, { id: 'b' });
    await vi.advanceTimersByTimeAsync(3_000);
    await stopUnderFakeTime(a.node);
    await stopUnderFakeTime(b.node);
    const list = await client.validations({ clientId: 'team-e' });
    expect(list.every((v) => v.state === 'active')).toBe(true);
    expect(checked).toHaveLength(20);
  });

  it('with wake signals, a submission is validated as soon as it is announced, and the live nodes share the validation polls', async () => {
    const { datastore } = memoryCluster();
    const bus = memoryWakeBus();
    const client = new RookeryClient({ datastore, builtInExecutors: ['mail'], wakeSignals: bus.signals() });
    const polls = new Map<string, number>();
    const counted = (id: string): Datastore =>
      new Proxy(datastore, {
        get(target, prop, receiver) {
          const value: unknown = Reflect.get(target, prop, receiver);
          if (prop !== 'scheduleClaimValidation' || typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            polls.set(id, (polls.get(id) ?? 0) + 1);
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      }) as Datastore;
    const options = { validateEveryMs: 1_000, heartbeatEveryMs: 1_000, wakeSignals: bus.signals() };
    const nodes = await Promise.all(
      ['a', 'b', 'c'].map((id) => startTestNode(counted(id), { mail: mailer([]) }, { ...options, id })),
    );
    // The first heartbeat counted the three live nodes: each polls every 3 s from then on.
    await vi.advanceTimersByTimeAsync(30_000);
    const idle = [...polls.values()];
    expect(idle.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(3 * (30 / 3 + 2));
    const validated: number[] = [];
    for (const n of nodes) n.events.on('scheduleValidated', () => validated.push(Date.now()));
    const submittedAt = Date.now();
    await client.createSchedule({
      name: 'announced',
      executor: 'mail',
      payload: { to: 'ops@example.com' },
      trigger: every,
      clientId: 'team-h',
    });
    await vi.advanceTimersByTimeAsync(50);
    expect(validated).toEqual([submittedAt]);
    expect(await client.validations({ clientId: 'team-h' })).toMatchObject([{ state: 'active' }]);
    for (const n of nodes) await stopUnderFakeTime(n.node);
    for (const n of nodes) expect(n.errors).toEqual([]);
  });

  it('checks the schedule itself at once: a bad trigger, or paused with a client id, is refused and nothing is written', async () => {
    const { datastore, client } = memoryCluster();
    await expect(
      client.createSchedule({
        name: 'x',
        executor: 'mail',
        trigger: { kind: 'cron', expr: '61 * * * *' },
        clientId: 'team-f',
      }),
    ).rejects.toMatchObject({ field: 'trigger.expr' });
    await expect(
      client.createSchedule({ name: 'x', executor: 'mail', trigger: every, clientId: 'team-f', paused: true }),
    ).rejects.toMatchObject({
      field: 'paused',
    });
    await expect(
      client.createSchedule({ name: 'x', executor: 'mail', trigger: every, clientId: '' }),
    ).rejects.toMatchObject({ field: 'clientId' });
    expect(await datastore.scheduleList()).toEqual([]);
  });

  it('a schedule without a client id keeps the synchronous path: unknown executors refused, known ones active at once', async () => {
    const { client } = memoryCluster();
    await expect(client.createSchedule({ name: 'x', executor: 'mail', trigger: every })).rejects.toMatchObject({
      field: 'executor',
    });
    const s = await client.createSchedule({ name: 'y', executor: 'noop', trigger: every });
    expect(s).toMatchObject({ state: 'active', clientId: null, validation: null });
    expect(s.nextFireAt).not.toBeNull();
  });
});
