import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestEventBus as createEventBus, TestWorkerPool as WorkerPool } from '../../src/testing/index.js';
import {
  MemoryDatastore,
  RookeryClient,
  RookeryNode,
  type Datastore,
  type ExecutionStart,
  type Executor,
  type RookeryError,
} from '../../src/index.js';
import { stopUnderFakeTime, useFakeTime } from './harness.js';

beforeEach(() => useFakeTime());
afterEach(() => vi.useRealTimers());

/**
 * An external framework whose submissions the test controls: with `hold`, `start()` stays
 * pending until `release()` answers it; otherwise it answers at once. Records every
 * idempotency key it is given and every cancel.
 */
function framework(options: { hold?: boolean; withCancel?: boolean } = {}) {
  const keys: string[] = [];
  const cancelled: string[] = [];
  const held: ((start: ExecutionStart) => void)[] = [];
  let next = 0;
  const executor: Executor = {
    name: 'external',
    start: (ctx) => {
      keys.push(ctx.idempotencyKey);
      next += 1;
      const started: ExecutionStart = { kind: 'external', executionId: `exec-${next}` };
      return options.hold ? new Promise((resolve) => held.push(resolve)) : Promise.resolve(started);
    },
    status: async () => ({ state: 'running' }),
    ...(options.withCancel === false ? {} : { cancel: async (id: string) => void cancelled.push(id) }),
  };
  const release = (): void => {
    next += 1;
    held.shift()?.({ kind: 'external', executionId: `late-${next}` });
  };
  return { executor, keys, cancelled, release };
}

/** A node on `store` (the memory store by default) with one once-schedule of `executor` due now. */
async function cluster(
  executor: Executor,
  policies: Record<string, unknown> = {},
  wrap: (store: MemoryDatastore) => Datastore = (s) => s,
) {
  const datastore = new MemoryDatastore();
  const events = createEventBus();
  const errors: Error[] = [];
  const lost: string[] = [];
  events.on('generalError', (e) => errors.push(e));
  events.on('leaseLost', (id) => lost.push(id));
  const node = new RookeryNode({
    datastore: wrap(datastore),
    events,
    executors: [executor],
    pool: new WorkerPool({ concurrency: 2 }),
    leaseMs: 3_000,
    pollWaitsMs: [100],
  });
  await node.start();
  await new RookeryClient({ datastore, builtInExecutors: ['external'] }).createSchedule({
    name: 'ext',
    executor: 'external',
    trigger: { kind: 'once', at: Date.now() + 10 },
    policies,
  });
  return { datastore, node, errors, lost };
}

/** The memory store, with `taskSetExecution` replaced by `setExecution`. */
function withSetExecution(
  setExecution: (target: MemoryDatastore, params: Parameters<Datastore['taskSetExecution']>[0]) => Promise<boolean>,
) {
  return (datastore: MemoryDatastore): Datastore =>
    new Proxy(datastore, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (prop === 'taskSetExecution')
          return (params: Parameters<Datastore['taskSetExecution']>[0]) => setExecution(target, params);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
}

describe('an execution whose submission was still under way when its attempt was aborted', () => {
  it('is cancelled as soon as start() returns its id; the retry submits once', async () => {
    const fw = framework({ hold: true });
    const { datastore, node, errors } = await cluster(fw.executor, {
      timeoutMs: 500,
      retry: { kind: 'fixed', maxAttempts: 2, delayMs: 100 },
    });
    await vi.advanceTimersByTimeAsync(1_000);
    // the first attempt timed out while submitting; the retry is submitting too
    expect(fw.keys).toHaveLength(2);
    fw.release();
    await vi.advanceTimersByTimeAsync(100);
    expect(fw.cancelled).toEqual(['late-3']);
    // the retry's submission returns in time: it is recorded and watched, and cancelled at its own timeout
    fw.release();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fw.cancelled).toEqual(['late-3', 'late-4']);
    expect(fw.keys).toHaveLength(2);
    expect((await datastore.taskList())[0]).toMatchObject({
      state: 'failed',
      error: 'timed out after 500 ms',
      attempt: 2,
    });
    expect(errors).toEqual([]);
    await stopUnderFakeTime(node);
  });

  it('without cancel() in the executor, is reported as an orphaned execution', async () => {
    const fw = framework({ hold: true, withCancel: false });
    const { node, errors } = await cluster(fw.executor, { timeoutMs: 500 });
    await vi.advanceTimersByTimeAsync(1_000);
    fw.release();
    await vi.advanceTimersByTimeAsync(100);
    expect(errors.map((e) => (e as RookeryError).code)).toEqual(['EXECUTION_ORPHANED']);
    expect(errors[0]?.message).toContain('execution late-2 of task');
    await stopUnderFakeTime(node);
  });
});

describe('recording an execution id', () => {
  it('a write that keeps failing is not taken as stored: the attempt is given up and its execution cancelled', async () => {
    const fw = framework();
    const { datastore, node, errors, lost } = await cluster(
      fw.executor,
      {},
      withSetExecution(() => Promise.reject(new Error('connection reset'))),
    );
    await vi.advanceTimersByTimeAsync(2_000);
    const [task] = await datastore.taskList();
    expect(lost).toEqual([task?.id]);
    expect(fw.cancelled).toEqual(['exec-1']);
    expect(task?.executionId).toBeNull();
    expect(errors.map((e) => e.message)).toEqual(['connection reset', 'connection reset', 'connection reset']);
    await stopUnderFakeTime(node);
  });

  it('a write that never answers is given up with the trust window: the execution is cancelled before the lease may expire', async () => {
    const fw = framework();
    const cancelledAt: number[] = [];
    const cancel = fw.executor.cancel;
    fw.executor.cancel = async (id) => {
      cancelledAt.push(Date.now());
      await cancel?.(id);
    };
    // a database that stopped carrying bytes: the id's write and every renewal hang until the connection drops
    let drop: (error: Error) => void = () => undefined;
    const hang = new Promise<never>((_, reject) => (drop = reject));
    hang.catch(() => undefined);
    const { datastore, node, errors, lost } = await cluster(fw.executor, {}, (store) =>
      withSetExecution(() => hang)(
        new Proxy(store, {
          get(target, prop, receiver) {
            const value: unknown = Reflect.get(target, prop, receiver);
            if (prop === 'taskRenewLeases') return () => hang;
            return typeof value === 'function' ? value.bind(target) : value;
          },
        }),
      ),
    );
    await vi.advanceTimersByTimeAsync(500);
    const [running] = await datastore.taskList();
    expect(running).toMatchObject({ state: 'running', executionId: null });
    const leaseExpiresAt = running?.leaseExpiresAt ?? 0;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(lost).toEqual([running?.id]);
    expect(fw.cancelled).toEqual(['exec-1']);
    expect(cancelledAt[0]).toBeLessThan(leaseExpiresAt);
    expect(errors).toEqual([]);
    drop(new Error('connection lost'));
    await stopUnderFakeTime(node);
  });

  it('a write that failed once is tried again after re-reading the task, and the id is stored', async () => {
    const fw = framework();
    let failures = 0;
    const { datastore, node } = await cluster(
      fw.executor,
      {},
      withSetExecution((target, params) =>
        failures++ === 0 ? Promise.reject(new Error('connection reset')) : target.taskSetExecution(params),
      ),
    );
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await datastore.taskList())[0]).toMatchObject({ state: 'running', executionId: 'exec-1' });
    expect(fw.cancelled).toEqual([]);
    expect(failures).toBe(2);
    await stopUnderFakeTime(node);
  });

  it('a write applied before its connection failed is found by the re-read and not written again', async () => {
    const fw = framework();
    let writes = 0;
    const { datastore, node } = await cluster(
      fw.executor,
      {},
      withSetExecution(async (target, params) => {
        writes += 1;
        await target.taskSetExecution(params);
        throw new Error('connection reset after commit');
      }),
    );
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await datastore.taskList())[0]).toMatchObject({ state: 'running', executionId: 'exec-1' });
    expect(writes).toBe(1);
    expect(fw.cancelled).toEqual([]);
    await stopUnderFakeTime(node);
  });
});

describe('the idempotency key', () => {
  it('reaches the executor as <task id>:<fence>, a new one for each attempt', async () => {
    const fw = framework({ hold: true });
    const { datastore, node } = await cluster(fw.executor, {
      timeoutMs: 500,
      retry: { kind: 'fixed', maxAttempts: 2, delayMs: 100 },
    });
    await vi.advanceTimersByTimeAsync(1_000);
    const [task] = await datastore.taskList();
    expect(task?.fence).toBe(2);
    expect(fw.keys).toEqual([`${task?.id}:1`, `${task?.id}:2`]);
    await stopUnderFakeTime(node);
  });
});
