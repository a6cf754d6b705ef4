import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestEventBus as createEventBus, TestWorkerPool as WorkerPool } from '../../src/testing/index.js';
import { RookeryNode, ValidationError, type Executor } from '../../src/index.js';
import { memoryCluster, partition, stopUnderFakeTime, useFakeTime } from './harness.js';

// An executor that settles after abort (a child process group that needs its kill grace to go)
// is awaited by the node: nothing of the attempt is committed, and its slot is not freed, while
// its work runs; and its attempts are aborted its abort grace early, inside the trust window.

beforeEach(() => useFakeTime());
afterEach(() => vi.useRealTimers());

/**
 * An executor whose work runs until its signal aborts, then goes on for `stopMs` (a process
 * that takes that long to exit after SIGTERM) before `start` rejects. `log` records when
 * each attempt's work started and stopped, in fake milliseconds.
 */
function slowToStop(stopMs: number, abortGraceMs: number, log: string[]): Executor {
  return {
    name: 'slow-stop',
    settlesAfterAbort: true,
    abortGraceMs,
    start: (ctx) =>
      new Promise((_resolve, reject) => {
        log.push(`start ${ctx.task.attempt} at ${Date.now()}`);
        ctx.signal.addEventListener('abort', () =>
          setTimeout(() => {
            log.push(`stopped ${ctx.task.attempt} at ${Date.now()}`);
            reject(ctx.signal.reason);
          }, stopMs),
        );
      }),
  };
}

function nodeWith(
  executor: Executor,
  datastore: ReturnType<typeof memoryCluster>['datastore'] | Parameters<typeof partition>[0],
  leaseMs = 3_000,
  concurrency = 1,
) {
  const events = createEventBus();
  const errors: string[] = [];
  events.on('generalError', (error) => errors.push(error.message));
  const node = new RookeryNode({
    datastore,
    events,
    executors: [executor],
    pool: new WorkerPool({ concurrency }),
    leaseMs,
    pollWaitsMs: [100],
    repairEveryMs: 100,
  });
  return { node, events, errors };
}

describe('an executor that settles after abort', () => {
  it('a timed-out attempt frees its slot and is retried only once its work has stopped', async () => {
    const { datastore, client } = memoryCluster();
    const log: string[] = [];
    const { node, events, errors } = nodeWith(slowToStop(1_000, 1_200, log), datastore);
    events.on('taskRetried', () => log.push(`retried at ${Date.now()} (running ${node.runningCount})`));
    await node.start();
    const t0 = Date.now();
    await client.createSchedule(
      {
        name: 'x',
        executor: 'slow-stop',
        trigger: { kind: 'once', at: t0 + 10 },
        policies: { timeoutMs: 500, retry: { kind: 'fixed', maxAttempts: 2, delayMs: 10 } },
      },
      { force: true },
    );
    await vi.advanceTimersByTimeAsync(1_000);
    // timed out at about t0 + 500; its work runs on for 1 s: still the node's, slot taken
    expect(node.runningCount).toBe(1);
    expect(log.filter((l) => l.startsWith('start'))).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2_000);
    await stopUnderFakeTime(node);
    const at = (prefix: string): number => Number(/at (\d+)/.exec(log.find((l) => l.startsWith(prefix)) ?? '')?.[1]);
    expect(at('stopped 1')).toBeGreaterThanOrEqual(t0 + 1_500);
    expect(at('retried')).toBeGreaterThanOrEqual(at('stopped 1'));
    expect(at('start 2')).toBeGreaterThanOrEqual(at('stopped 1'));
    expect(errors).toEqual([]);
  });

  it('a cancelled attempt is committed as cancelled only once its work has stopped', async () => {
    const { datastore, client } = memoryCluster();
    const log: string[] = [];
    const { node, events, errors } = nodeWith(slowToStop(800, 1_000, log), datastore);
    events.on('taskCancelled', () => log.push(`cancelled at ${Date.now()}`));
    await node.start();
    await client.createSchedule(
      { name: 'x', executor: 'slow-stop', trigger: { kind: 'once', at: Date.now() + 10 } },
      { force: true },
    );
    await vi.advanceTimersByTimeAsync(300);
    const [task] = await datastore.taskList();
    await client.cancelTask(task!.id);
    await vi.advanceTimersByTimeAsync(2_000);
    await stopUnderFakeTime(node);
    const at = (prefix: string): number => Number(/at (\d+)/.exec(log.find((l) => l.startsWith(prefix)) ?? '')?.[1]);
    expect(at('cancelled')).toBeGreaterThanOrEqual(at('stopped 1'));
    expect((await datastore.taskList())[0]).toMatchObject({ state: 'cancelled' });
    expect(errors).toEqual([]);
  });

  it('a `replace` schedule: each new run starts only once the run it replaces has stopped, and the replaced runs end cancelled naming their successor', async () => {
    const { datastore, client } = memoryCluster();
    const runs = new Map<string, { start: number; stop: number | null }>();
    const executor: Executor = {
      name: 'slow-stop',
      settlesAfterAbort: true,
      abortGraceMs: 1_000,
      start: (ctx) =>
        new Promise((_resolve, reject) => {
          const run = { start: Date.now(), stop: null as number | null };
          runs.set(ctx.task.id, run);
          ctx.signal.addEventListener('abort', () =>
            setTimeout(() => {
              run.stop = Date.now();
              reject(ctx.signal.reason);
            }, 800),
          );
        }),
    };
    // Two worker slots: the node has room to claim the newer task while the older one runs.
    const { node, errors } = nodeWith(executor, datastore, 3_000, 2);
    await node.start();
    await client.createSchedule(
      {
        name: 'x',
        executor: 'slow-stop',
        trigger: { kind: 'interval', everyMs: 1_000 },
        policies: { duplicate: 'replace' },
      },
      { force: true },
    );
    await vi.advanceTimersByTimeAsync(8_000);
    await stopUnderFakeTime(node);
    const ordered = [...runs.values()].sort((a, b) => a.start - b.start);
    expect(ordered.length).toBeGreaterThanOrEqual(3);
    for (const [i, run] of ordered.slice(1).entries())
      expect(run.start).toBeGreaterThanOrEqual(ordered[i]?.stop ?? Infinity);
    const tasks = await datastore.taskList();
    const cancelled = tasks.filter((t) => t.state === 'cancelled' && (t.reason ?? '').includes('replaced'));
    expect(cancelled.length).toBeGreaterThanOrEqual(2);
    for (const t of cancelled) expect(t.reason).toMatch(/^cancelled on request: replaced by task \S+$/);
    expect(errors).toEqual([]);
  });

  it('a node cut off from the database aborts the attempt its abort grace early: its work has stopped before the lease can expire', async () => {
    const { datastore, client } = memoryCluster();
    let cut = false;
    const log: string[] = [];
    // lease 3 s, trust margin 600 ms: the work takes 1.5 s to stop, the executor declares 2 s
    const { node, errors } = nodeWith(
      slowToStop(1_500, 2_000, log),
      partition(datastore, () => cut),
    );
    await node.start();
    await client.createSchedule(
      { name: 'x', executor: 'slow-stop', trigger: { kind: 'once', at: Date.now() + 10 } },
      { force: true },
    );
    await vi.advanceTimersByTimeAsync(300);
    const [task] = await datastore.taskList();
    expect(task).toMatchObject({ state: 'running' });
    cut = true;
    const cutAt = Date.now();
    const leaseEnd = task!.leaseExpiresAt!;
    expect(leaseEnd).toBeLessThanOrEqual(cutAt + 3_000);
    await vi.advanceTimersByTimeAsync(4_000);
    const stopped = Number(/at (\d+)/.exec(log.find((l) => l.startsWith('stopped 1')) ?? '')?.[1]);
    expect(stopped).toBeLessThan(leaseEnd);
    cut = false;
    await stopUnderFakeTime(node);
    expect(new Set(errors)).toEqual(new Set(['network unreachable']));
  });

  it('an attempt given up on its trust window is handed back once its work has stopped: a node that stops then leaves nothing leased', async () => {
    const { datastore, client } = memoryCluster();
    // Renewals that do not come back (a loaded machine): everything else reaches the store.
    let renewalsFail = false;
    const slowRenewals = new Proxy(datastore, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (prop !== 'taskRenewLeases' || typeof value !== 'function') return value;
        return (...args: unknown[]) =>
          renewalsFail
            ? Promise.reject(new Error('renewal too late'))
            : (value as (...a: unknown[]) => unknown).apply(target, args);
      },
    });
    const log: string[] = [];
    // lease 3 s, trust margin 600 ms, abort grace 1 s: trust ends 1.4 s after the last renewal was sent
    const { node, events } = nodeWith(slowToStop(500, 1_000, log), slowRenewals);
    const lost: string[] = [];
    events.on('leaseLost', (taskId) => lost.push(taskId));
    await node.start();
    await client.createSchedule(
      { name: 'x', executor: 'slow-stop', trigger: { kind: 'once', at: Date.now() + 10 } },
      { force: true },
    );
    await vi.advanceTimersByTimeAsync(300);
    const [task] = await datastore.taskList();
    expect(task).toMatchObject({ state: 'running', fence: 1 });
    renewalsFail = true;
    // the trust window runs out, the work stops 500 ms later; the lease in the store has not expired yet
    await vi.advanceTimersByTimeAsync(2_000);
    expect(lost).toEqual([task!.id]);
    expect(log.some((l) => l.startsWith('stopped 1'))).toBe(true);
    await stopUnderFakeTime(node);
    const after = await datastore.taskGet(task!.id);
    expect(after?.state).not.toBe('running');
    const ledger = await datastore.taskEvents(task!.id);
    expect(ledger.find((e) => e.from === 'running' && e.fence === 1)).toMatchObject({
      to: 'pending',
      reason: `handed back by node ${node.id}: lease not renewed in time`,
    });
  });

  it('a node refuses an abort grace that leaves less than 100 ms of the trust window, naming it', () => {
    const { datastore } = memoryCluster();
    // lease 3 s − margin 600 ms − 100 ms: 2 300 ms at most
    expect(() => nodeWith(slowToStop(0, 2_301, []), datastore)).toThrow(ValidationError);
    expect(() => nodeWith(slowToStop(0, 2_301, []), datastore)).toThrow(
      expect.objectContaining({ field: 'executors.slow-stop.abortGraceMs' }),
    );
    expect(() => nodeWith(slowToStop(0, 2_300, []), datastore)).not.toThrow();
  });
});
