import type { EventBus } from '../../events/event-bus.js';
import type { RookeryEventMap, RookeryEventName } from '../../events/event-map.js';

/** A listener of any event, as the bus stores it: known by identity, called with its event's arguments. */
type StoredListener = object;

/**
 * An in-process {@link EventBus} for tests: listeners are called synchronously in the order
 * they were added. It keeps the bus's contract: `emit` never throws, and a listener's
 * exception (or an async listener's rejection) is emitted as `generalError` with context
 * `{ nodeId: null, source: 'listener' }`. An error nothing listens to as `generalError`, or
 * thrown by a `generalError` listener, is kept in {@link TestEventBus.undelivered} for the
 * test to check.
 */
export class TestEventBus implements EventBus {
  /** Errors no `generalError` listener could take, in the order they came. */
  readonly undelivered: Error[] = [];
  readonly #listeners = new Map<RookeryEventName, { listener: StoredListener; once: boolean }[]>();

  /** Adds a listener. */
  on<E extends RookeryEventName>(event: E, listener: (...args: RookeryEventMap[E]) => void): this {
    return this.#add(event, listener, false);
  }

  /** Adds a listener called at most once. */
  once<E extends RookeryEventName>(event: E, listener: (...args: RookeryEventMap[E]) => void): this {
    return this.#add(event, listener, true);
  }

  /** Removes every registration of `listener` for `event`. */
  off<E extends RookeryEventName>(event: E, listener: (...args: RookeryEventMap[E]) => void): this {
    const rest = (this.#listeners.get(event) ?? []).filter((entry) => entry.listener !== listener);
    this.#listeners.set(event, rest);
    return this;
  }

  /** Calls every listener of `event` with `args`. Never throws. */
  emit<E extends RookeryEventName>(event: E, ...args: RookeryEventMap[E]): void {
    const entries = this.#listeners.get(event) ?? [];
    if (event === 'generalError' && entries.length === 0) {
      this.undelivered.push(args[0] as Error);
      return;
    }
    for (const entry of entries) {
      if (entry.once)
        this.#listeners.set(
          event,
          (this.#listeners.get(event) ?? []).filter((e) => e !== entry),
        );
      try {
        const out: unknown = (entry.listener as (...a: RookeryEventMap[E]) => unknown)(...args);
        if (out instanceof Promise) out.catch((error: unknown) => this.#failed(event, error));
      } catch (error) {
        this.#failed(event, error);
      }
    }
  }

  #add(event: RookeryEventName, listener: StoredListener, once: boolean): this {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), { listener, once }]);
    return this;
  }

  #failed(event: RookeryEventName, thrown: unknown): void {
    const error = thrown instanceof Error ? thrown : new Error(String(thrown), { cause: thrown });
    if (event === 'generalError') this.undelivered.push(error);
    else this.emit('generalError', error, { nodeId: null, source: 'listener' });
  }
}

/** A new {@link TestEventBus}. */
export function createTestEventBus(): TestEventBus {
  return new TestEventBus();
}
