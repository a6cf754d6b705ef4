import { describe, expect, it } from 'vitest';
import type { ExecutionContext } from '../../src/index.js';
import { createTestEventBus, testExecutors, TestWorkerPool, waitForEvent } from '../../src/testing/index.js';

describe('TestEventBus', () => {
  it('calls listeners in order, once-listeners once, and none after off', () => {
    const bus = createTestEventBus();
    const calls: string[] = [];
    const a = (id: string) => calls.push(`a:${id}`);
    bus.on('nodeLeft', a);
    bus.once('nodeLeft', (id) => calls.push(`once:${id}`));
    bus.emit('nodeLeft', 'n1');
    bus.emit('nodeLeft', 'n2');
    bus.off('nodeLeft', a);
    bus.emit('nodeLeft', 'n3');
    expect(calls).toEqual(['a:n1', 'once:n1', 'a:n2']);
  });

  it('emits a throwing listener’s error as generalError and never throws; keeps what no generalError listener takes', async () => {
    const bus = createTestEventBus();
    bus.on('nodeLeft', () => {
      throw new Error('sync');
    });
    bus.on('nodeLeft', () => Promise.reject(new Error('async')));
    expect(() => bus.emit('nodeLeft', 'n1')).not.toThrow();
    await Promise.resolve();
    expect(bus.undelivered.map((e) => e.message)).toEqual(['sync', 'async']);
    const seen: [string, unknown][] = [];
    bus.on('generalError', (error, context) => seen.push([error.message, context]));
    bus.emit('nodeLeft', 'n2');
    expect(seen[0]).toEqual(['sync', { nodeId: null, source: 'listener' }]);
  });

  it('waitForEvent resolves with the first matching event and rejects after its timeout', async () => {
    const bus = createTestEventBus();
    const left = waitForEvent(bus, 'nodeLeft', (id) => id === 'b', 1_000);
    bus.emit('nodeLeft', 'a');
    bus.emit('nodeLeft', 'b');
    await expect(left).resolves.toEqual(['b']);
    await expect(waitForEvent(bus, 'nodeLeft', undefined, 10)).rejects.toThrow(/nodeLeft/);
  });
});

describe('TestWorkerPool', () => {
  it('holds the global and the per-executor limits, and refuses a release without an acquire', () => {
    const pool = new TestWorkerPool({ concurrency: 3, perExecutor: { slow: 1 } });
    expect(pool.acquire('slow')).toBe(true);
    expect(pool.free('slow')).toBe(0);
    expect(pool.acquire('slow')).toBe(false);
    expect(pool.acquire('fast')).toBe(true);
    expect(pool.acquire('fast')).toBe(true);
    expect([pool.freeTotal(), pool.free('fast'), pool.running()]).toEqual([0, 0, 3]);
    pool.release('slow');
    expect(pool.free('slow')).toBe(1);
    expect(() => pool.release('slow')).toThrow(/without a matching acquire/);
    expect(() => new TestWorkerPool({ perExecutor: { slow: 0 } })).toThrow(
      expect.objectContaining({ field: 'perExecutor.slow' }),
    );
  });
});

describe('testExecutors', () => {
  const context = (signal: AbortSignal) => ({ signal, payload: null }) as unknown as ExecutionContext;

  it('resolves a function’s result, null for nothing, and rejects with the abort reason even if the function never settles', async () => {
    const [done, nothing, deaf] = testExecutors({
      done: () => ({ ok: true }),
      nothing: () => undefined,
      deaf: () => new Promise(() => undefined),
    });
    const live = new AbortController();
    await expect(done?.start(context(live.signal))).resolves.toEqual({ kind: 'done', result: { ok: true } });
    await expect(nothing?.start(context(live.signal))).resolves.toEqual({ kind: 'done', result: null });
    const aborting = new AbortController();
    const started = deaf?.start(context(aborting.signal));
    aborting.abort(new Error('stop'));
    await expect(started).rejects.toThrow('stop');
  });

  it('names an executor object by its key and calls its methods on the object', async () => {
    const external = {
      id: 'x-1',
      start() {
        return Promise.resolve({ kind: 'external' as const, executionId: this.id });
      },
    };
    const [executor] = testExecutors({ external });
    expect(executor?.name).toBe('external');
    await expect(executor?.start(context(new AbortController().signal))).resolves.toEqual({
      kind: 'external',
      executionId: 'x-1',
    });
  });
});
