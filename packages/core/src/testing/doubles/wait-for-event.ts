import type { EventBus } from '../../events/event-bus.js';
import type { RookeryEventMap, RookeryEventName } from '../../events/event-map.js';

/**
 * The arguments of the next `event` on `bus` for which `predicate` holds (any, if none is
 * given). Rejects with an Error naming the event after `timeoutMs` (no limit if omitted), or
 * with the predicate's exception. The listener is removed either way.
 *
 * @example
 * ```ts
 * const [task] = await waitForEvent(events, 'taskCompleted', (t) => t.scheduleId === id, 5_000);
 * ```
 */
export function waitForEvent<E extends RookeryEventName>(
  bus: EventBus,
  event: E,
  predicate?: (...args: RookeryEventMap[E]) => boolean,
  timeoutMs?: number,
): Promise<RookeryEventMap[E]> {
  return new Promise<RookeryEventMap[E]>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = (): void => {
      bus.off(event, listener);
      if (timer !== undefined) clearTimeout(timer);
    };
    const listener = (...args: RookeryEventMap[E]): void => {
      let matched: boolean;
      try {
        matched = predicate ? predicate(...args) : true;
      } catch (error) {
        done();
        reject(error instanceof Error ? error : new Error(String(error), { cause: error }));
        return;
      }
      if (!matched) return;
      done();
      resolve(args);
    };
    bus.on(event, listener);
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        done();
        reject(new Error(`waitForEvent('${event}'): no matching event within ${timeoutMs} ms`));
      }, timeoutMs);
    }
  });
}
