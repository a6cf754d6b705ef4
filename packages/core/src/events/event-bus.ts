import type { RookeryEventMap, RookeryEventName } from './event-map.js';

/**
 * A typed event bus. `emit` never throws: a listener's exception is caught and emitted as
 * `generalError` (and a throwing `generalError` listener is reported to stderr).
 */
export interface EventBus {
  /** Adds a listener. */
  on<E extends RookeryEventName>(event: E, listener: (...args: RookeryEventMap[E]) => void): this;
  /** Adds a listener called at most once. */
  once<E extends RookeryEventName>(event: E, listener: (...args: RookeryEventMap[E]) => void): this;
  /** Removes a listener. */
  off<E extends RookeryEventName>(event: E, listener: (...args: RookeryEventMap[E]) => void): this;
  /** Emits an event to every listener. */
  emit<E extends RookeryEventName>(event: E, ...args: RookeryEventMap[E]): void;
}
