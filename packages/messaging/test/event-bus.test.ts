import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import type { EventBus, GeneralErrorContext } from '@rookery/core';
import {
  createEventBus,
  type TypedEventBus,
  waitFor,
  WaitForTimeoutError,
  type UndeliveredErrorInfo,
} from '../src/index.js';

function capture() {
  const undelivered: Array<[Error, UndeliveredErrorInfo]> = [];
  const bus = createEventBus({ onListenerError: (e, info) => undelivered.push([e, info]) });
  return { bus, undelivered };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('TypedEventBus', () => {
  it('delivers typed arguments to listeners', () => {
    const bus = createEventBus();
    const seen: Array<[string, number]> = [];
    bus.on('leaseLost', (taskId, fence) => seen.push([taskId, fence]));
    bus.emit('leaseLost', 't1', 3);
    expect(seen).toEqual([['t1', 3]]);
  });

  it('reports a listener exception as generalError and returns normally', () => {
    const { bus, undelivered } = capture();
    const errors: Array<[Error, GeneralErrorContext]> = [];
    const boom = new Error('boom');
    const after = vi.fn();
    bus.on('generalError', (e, ctx) => errors.push([e, ctx]));
    bus.on('nodeLeft', () => {
      throw boom;
    });
    bus.on('nodeLeft', after);
    expect(() => bus.emit('nodeLeft', 'n1')).not.toThrow();
    expect(errors).toEqual([[boom, { nodeId: null, source: 'listener' }]]);
    expect(after).toHaveBeenCalledWith('n1');
    expect(undelivered).toEqual([]);
  });

  it('wraps a non-Error throw into an Error with cause', () => {
    const bus = createEventBus();
    const errors: Error[] = [];
    bus.on('generalError', (e) => errors.push(e));
    bus.on('clockOffset', () => {
      throw 'a string';
    });
    bus.emit('clockOffset', 5);
    expect(errors[0]).toBeInstanceOf(Error);
    expect(errors[0]?.cause).toBe('a string');
  });

  it('reports a rejected async listener as generalError, not an unhandled rejection', async () => {
    const bus = createEventBus();
    const errors: Error[] = [];
    bus.on('generalError', (e) => errors.push(e));
    bus.on('nodeLeft', async () => {
      await Promise.resolve();
      throw new Error('async boom');
    });
    bus.emit('nodeLeft', 'n1');
    await vi.waitFor(() => expect(errors.map((e) => e.message)).toEqual(['async boom']));
  });

  it('reports once through onListenerError when a generalError listener throws', () => {
    const { bus, undelivered } = capture();
    const inner = new Error('listener of generalError broke');
    bus.on('generalError', () => {
      throw inner;
    });
    bus.on('nodeLeft', () => {
      throw new Error('first');
    });
    expect(() => bus.emit('nodeLeft', 'n1')).not.toThrow();
    expect(undelivered).toEqual([[inner, { reason: 'listener-threw', event: 'generalError' }]]);
  });

  it('reports once through onListenerError when nothing listens to generalError', () => {
    const { bus, undelivered } = capture();
    const boom = new Error('boom');
    bus.on('nodeLeft', () => {
      throw boom;
    });
    bus.emit('nodeLeft', 'n1');
    const direct = new Error('direct');
    bus.emit('generalError', direct, { nodeId: 'n1', source: 'peel' });
    expect(undelivered).toEqual([
      [boom, { reason: 'no-listener', event: 'nodeLeft' }],
      [direct, { reason: 'no-listener', event: 'generalError' }],
    ]);
  });

  it('writes to stderr with a prefix by default, once per error', () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const bus = createEventBus();
    bus.on('nodeLeft', () => {
      throw new Error('nobody listens');
    });
    bus.emit('nodeLeft', 'n1');
    expect(spy).toHaveBeenCalledTimes(1);
    expect(String(spy.mock.calls[0]?.[0])).toMatch(/^\[rookery\] unhandled error/);
  });

  it('survives a throwing onListenerError', () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const bus = createEventBus({
      onListenerError: () => {
        throw new Error('reporter broke');
      },
    });
    bus.emit('generalError', new Error('x'), { nodeId: null, source: 'test' });
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('once calls a listener at most once; off removes it', () => {
    const bus = createEventBus();
    const once = vi.fn();
    const on = vi.fn();
    bus.once('clockOffset', once);
    bus.on('clockOffset', on);
    bus.emit('clockOffset', 1);
    bus.emit('clockOffset', 2);
    expect(once).toHaveBeenCalledTimes(1);
    expect(on).toHaveBeenCalledTimes(2);
    bus.off('clockOffset', on);
    bus.emit('clockOffset', 3);
    expect(on).toHaveBeenCalledTimes(2);
    expect(bus.listenerCount('clockOffset')).toBe(0);
  });

  it('off removes a once listener before it fires; off of an unknown listener is harmless', () => {
    const bus = createEventBus();
    const once = vi.fn();
    bus.once('nodeLeft', once);
    bus.off('nodeLeft', once);
    bus.off('nodeLeft', vi.fn());
    bus.emit('nodeLeft', 'n1');
    expect(once).not.toHaveBeenCalled();
  });

  it('removeAllListeners clears listeners', () => {
    const bus = createEventBus();
    const fn = vi.fn();
    bus.on('nodeLeft', fn).on('clockOffset', fn);
    bus.removeAllListeners('nodeLeft');
    expect(bus.listenerCount('nodeLeft')).toBe(0);
    expect(bus.listenerCount('clockOffset')).toBe(1);
    bus.removeAllListeners();
    expect(bus.listenerCount('clockOffset')).toBe(0);
  });

  it('has types that follow the event map', () => {
    const bus = createEventBus();
    expectTypeOf(bus).toExtend<EventBus>();
    expectTypeOf(bus).toEqualTypeOf<TypedEventBus>();
    bus.on('leaseLost', (taskId, fence) => {
      expectTypeOf(taskId).toEqualTypeOf<string>();
      expectTypeOf(fence).toEqualTypeOf<number>();
    });
    // @ts-expect-error wrong argument type
    bus.emit('leaseLost', 't1', 'not a number');
    // @ts-expect-error unknown event
    bus.on('noSuchEvent', () => undefined);
    // @ts-expect-error missing argument
    bus.emit('nodeLeft');
  });
});

describe('waitFor', () => {
  it('resolves with the arguments of the first matching event and unsubscribes', async () => {
    const bus = createEventBus();
    const p = waitFor(bus, 'leaseLost', (_id, fence) => fence > 1);
    bus.emit('leaseLost', 'a', 1);
    bus.emit('leaseLost', 'b', 2);
    await expect(p).resolves.toEqual(['b', 2]);
    expect(bus.listenerCount('leaseLost')).toBe(0);
    expectTypeOf(p).resolves.toEqualTypeOf<[taskId: string, fence: number]>();
  });

  it('rejects with WaitForTimeoutError after the timeout', async () => {
    const bus = createEventBus();
    await expect(waitFor(bus, 'nodeLeft', undefined, 10)).rejects.toBeInstanceOf(WaitForTimeoutError);
    expect(bus.listenerCount('nodeLeft')).toBe(0);
  });

  it('rejects with the predicate exception', async () => {
    const bus = createEventBus();
    const p = waitFor(bus, 'nodeLeft', () => {
      throw new Error('bad predicate');
    });
    bus.emit('nodeLeft', 'n1');
    await expect(p).rejects.toThrow('bad predicate');
  });
});
