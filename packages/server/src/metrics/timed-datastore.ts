import { Histogram, type Registry } from 'prom-client';
import { systemClock, type Clock, type Datastore } from '@rookery/core';

/** Histogram buckets of a datastore call, in seconds: 0.5 ms to 10 s. */
export const DB_BUCKETS_SECONDS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
];

/**
 * Wraps a datastore so that every call's round trip is observed in the histogram
 * `rookery_db_operation_seconds{operation, outcome}` (operation: the method name, such as
 * `taskClaimDue`; outcome: `ok` or `error`), registered in `registry`. Give the wrapped store to
 * the node; the original keeps working unchanged. Properties that are not methods are passed
 * through as they are.
 *
 * @param datastore - the store to time
 * @param registry - where the histogram is registered
 * @param clock - times the calls (its monotonic reading) @defaultValue systemClock
 * @returns a datastore of the same type that times its calls
 */
export function timedDatastore<D extends Datastore>(datastore: D, registry: Registry, clock: Clock = systemClock): D {
  const histogram = new Histogram({
    name: 'rookery_db_operation_seconds',
    help: 'Round-trip time of datastore calls made by this node, by operation and outcome (ok, error).',
    labelNames: ['operation', 'outcome'],
    buckets: [...DB_BUCKETS_SECONDS],
    registers: [registry],
  });
  const wrappers = new Map<string | symbol, unknown>();
  return new Proxy(datastore, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'constructor') return value;
      // a symbol method (Symbol.asyncDispose) runs untimed, on the store itself
      if (typeof property !== 'string') return (value as (...args: unknown[]) => unknown).bind(target);
      let wrapper = wrappers.get(property);
      if (!wrapper) {
        const method = value as (...args: unknown[]) => unknown;
        wrapper = (...args: unknown[]): unknown => {
          const start = clock.monotonic();
          const observe = (outcome: string): void =>
            histogram.observe({ operation: property, outcome }, (clock.monotonic() - start) / 1000);
          const result = method.apply(target, args);
          if (!(result instanceof Promise)) return result;
          return result.then(
            (v: unknown) => {
              observe('ok');
              return v;
            },
            (error: unknown) => {
              observe('error');
              throw error;
            },
          );
        };
        wrappers.set(property, wrapper);
      }
      return wrapper;
    },
  });
}
