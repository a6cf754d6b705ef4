import { describe, expect, it, vi } from 'vitest';
import { PermanentError, ValidationError } from '@rookery/core';
import type { ExecutionContext, Executor, Json } from '@rookery/core';
import { findNonJson, functionExecutors, type TaskFunction } from '../src/index.js';

function ctx(signal = new AbortController().signal, payload: Json = { n: 1 }): ExecutionContext {
  return {
    task: { id: 't1', scheduleId: 's1', fireAt: 0, attempt: 1, fence: 7 },
    idempotencyKey: 't1:7',
    payload,
    signal,
    log: () => undefined,
    heartbeat: () => undefined,
  };
}

function one(fn: TaskFunction, name = 'job'): Executor {
  const [executor] = functionExecutors({ [name]: fn });
  if (!executor) throw new Error('no executor');
  return executor;
}

describe('functionExecutors', () => {
  it('makes one executor per function, named by key', () => {
    const executors = functionExecutors({ a: () => 1, 'ns/b:v1@x.y_z-w': () => 2 });
    expect(executors.map((e) => e.name)).toEqual(['a', 'ns/b:v1@x.y_z-w']);
  });

  it('resolves done with the returned value, sync or async, and passes the context', async () => {
    const c = ctx(undefined, { x: 2 });
    const fn = vi.fn(async (ctx: ExecutionContext) => ({ got: ctx.payload, fence: ctx.task.fence }));
    await expect(one(fn).start(c)).resolves.toEqual({
      kind: 'done',
      result: { got: { x: 2 }, fence: 7 },
    });
    expect(fn).toHaveBeenCalledWith(c);
    await expect(one(() => 'sync').start(ctx())).resolves.toEqual({ kind: 'done', result: 'sync' });
  });

  it('turns no return value into a null result', async () => {
    await expect(one(() => undefined).start(ctx())).resolves.toEqual({ kind: 'done', result: null });
    await expect(one(async () => {}).start(ctx())).resolves.toEqual({ kind: 'done', result: null });
  });

  it('rejects with what the function throws, sync or async', async () => {
    const boom = new Error('boom');
    await expect(
      one(() => {
        throw boom;
      }).start(ctx()),
    ).rejects.toBe(boom);
    const perm = new PermanentError('never');
    await expect(
      one(async () => {
        throw perm;
      }).start(ctx()),
    ).rejects.toBe(perm);
  });

  it('rejects promptly with the abort reason when the function ignores the signal', async () => {
    const ac = new AbortController();
    const reason = new Error('lease lost');
    const started = one(() => new Promise<never>(() => undefined)).start(ctx(ac.signal));
    setTimeout(() => ac.abort(reason), 5);
    await expect(started).rejects.toBe(reason);
  });

  it('does not leave an unhandled rejection when the function rejects after the abort', async () => {
    const ac = new AbortController();
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const started = one(
        () => new Promise<never>((_, reject) => setTimeout(() => reject(new Error('late')), 10)),
      ).start(ctx(ac.signal));
      ac.abort(new Error('stop'));
      await expect(started).rejects.toThrow('stop');
      await new Promise((r) => setTimeout(r, 30));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('does not call the function when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort(new Error('too late'));
    const fn = vi.fn(() => 1);
    await expect(one(fn).start(ctx(ac.signal))).rejects.toThrow('too late');
    expect(fn).not.toHaveBeenCalled();
  });

  it('removes its abort listener once settled', async () => {
    const ac = new AbortController();
    const remove = vi.spyOn(ac.signal, 'removeEventListener');
    await one(() => 1).start(ctx(ac.signal));
    expect(remove).toHaveBeenCalledWith('abort', expect.any(Function));
  });

  it('rejects a result that is not plain JSON with a PermanentError naming the spot', async () => {
    const fn = (() => ({ items: [1, new Date(0)] })) as unknown as TaskFunction;
    const err: unknown = await one(fn, 'dated')
      .start(ctx())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as Error).message).toMatch(/'dated'.*not JSON-serialisable.*result\.items\[1\] is a Date/);
  });

  it('refuses bad names and non-functions with a ValidationError naming the field', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ '': () => 1 }, 'executors.'],
      [{ 'has space': () => 1 }, 'executors.has space'],
      [{ ok: 'nope' }, 'executors.ok'],
      [{ ok: null }, 'executors.ok'],
      [{ ok: {} }, 'executors.ok.start'],
      [{ ok: { start: () => 1, status: 'x' } }, 'executors.ok.status'],
    ];
    for (const [mod, field] of cases) {
      const call = () => functionExecutors(mod as Record<string, TaskFunction>);
      expect(call).toThrow(ValidationError);
      try {
        call();
      } catch (e) {
        expect((e as ValidationError).field).toBe(field);
      }
    }
    expect(() => functionExecutors(null as never)).toThrow(ValidationError);
  });
});

describe('functionExecutors with executor objects', () => {
  it('keeps start, status and cancel of an object, called on the object, named by key', async () => {
    const seen: string[] = [];
    const framework = {
      jobs: new Map<string, string>(),
      async start(c: ExecutionContext) {
        this.jobs.set(`x-${c.task.id}`, 'running');
        return { kind: 'external' as const, executionId: `x-${c.task.id}` };
      },
      async status(id: string) {
        seen.push(this.jobs.get(id) ?? 'none');
        return { state: 'completed' as const, result: { id } };
      },
      async cancel(id: string) {
        this.jobs.delete(id);
      },
    };
    const [executor] = functionExecutors({ external: framework, plain: () => 1 });
    expect(executor?.name).toBe('external');
    expect(await executor?.start(ctx())).toEqual({ kind: 'external', executionId: 'x-t1' });
    expect(await executor?.status?.('x-t1')).toEqual({ state: 'completed', result: { id: 'x-t1' } });
    await executor?.cancel?.('x-t1');
    expect(seen).toEqual(['running']);
    expect(framework.jobs.size).toBe(0);
  });

  it('offers no status or cancel the object does not have', () => {
    const [executor] = functionExecutors({ e: { start: async () => ({ kind: 'done' as const, result: null }) } });
    expect(executor?.status).toBeUndefined();
    expect(executor?.cancel).toBeUndefined();
  });
});

describe('findNonJson', () => {
  it('accepts plain JSON', () => {
    expect(findNonJson({ a: [1, 'x', true, null, { b: Object.create(null) as object }] }, 'r')).toBeNull();
  });

  it.each([
    [undefined, 'r is undefined'],
    [{ a: undefined }, 'r.a is undefined'],
    [[1, NaN], 'r[1] is NaN'],
    [Infinity, 'r is Infinity'],
    [10n, 'r is a bigint'],
    [{ f: () => 1 }, 'r.f is a function'],
    [Symbol('s'), 'r is a symbol'],
    [new Map(), 'r is a Map'],
    [{ toJSON: () => 1 }, 'r has a toJSON method'],
    [{ [Symbol('k')]: 1 }, 'r has symbol keys'],
    // eslint-disable-next-line no-sparse-arrays
    [[1, , 3], 'r[1] is undefined'],
  ])('refuses %s', (value, message) => {
    expect(findNonJson(value, 'r')).toBe(message);
  });

  it('refuses cycles but accepts shared (non-circular) references', () => {
    const shared = { x: 1 };
    expect(findNonJson({ a: shared, b: shared }, 'r')).toBeNull();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(findNonJson(cyclic, 'r')).toBe('r.self is a circular reference');
  });
});
