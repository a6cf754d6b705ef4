import { EventEmitter } from 'eventemitter3';
import type { EventBus, GeneralErrorContext, RookeryEventMap, RookeryEventName } from '@rookery/core';

/** A listener of event `E`. */
export type Listener<E extends RookeryEventName> = (...args: RookeryEventMap[E]) => void;

/** Why an error could not be delivered as a `generalError` event. */
export interface UndeliveredErrorInfo {
  /** `no-listener`: nothing listens to `generalError`; `listener-threw`: a `generalError` listener threw. */
  reason: 'no-listener' | 'listener-threw';
  /** The event whose listener threw, or `generalError` itself. */
  event: RookeryEventName;
}

/** Options of {@link createEventBus}. */
export interface EventBusOptions {
  /**
   * Last-resort reporter for an error that cannot be delivered as `generalError`: nothing
   * listens to `generalError`, or a `generalError` listener threw. Called once per such error.
   * Defaults to `console.error` with the prefix `[rookery] `. If it throws, that is swallowed
   * after one `console.error`.
   */
  onListenerError?: (error: Error, info: UndeliveredErrorInfo) => void;
}

/** Prefix of everything the bus writes to stderr. */
export const STDERR_PREFIX = '[rookery]';

function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(`non-Error value thrown: ${String(value)}`, { cause: value });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function defaultReporter(error: Error, info: UndeliveredErrorInfo): void {
  const why =
    info.reason === 'no-listener' ? 'unhandled error (no generalError listener)' : 'a generalError listener threw';
  console.error(`${STDERR_PREFIX} ${why} [event: ${info.event}]:`, error);
}

type EventsOf = { [E in RookeryEventName]: RookeryEventMap[E] };
/** Listeners are keyed by identity. */
type AnyListener = object;
type Wrapper = (...args: unknown[]) => void;

/**
 * The typed event bus of a node, on eventemitter3. Every listener is called even if an
 * earlier one throws; a listener's exception (or rejected promise, for an async listener) is
 * emitted as `generalError` with context `{ nodeId: null, source: 'listener' }`. An error that
 * cannot be delivered that way goes to {@link EventBusOptions.onListenerError} (stderr by
 * default). `emit` never throws.
 */
export class TypedEventBus implements EventBus {
  readonly #emitter = new EventEmitter<EventsOf>();
  readonly #wrappers = new Map<RookeryEventName, Map<AnyListener, Wrapper[]>>();
  readonly #report: (error: Error, info: UndeliveredErrorInfo) => void;

  /** @param options - see {@link EventBusOptions} */
  constructor(options: EventBusOptions = {}) {
    this.#report = options.onListenerError ?? defaultReporter;
  }

  /** Adds a listener. Adding the same function twice calls it twice. */
  on<E extends RookeryEventName>(event: E, listener: Listener<E>): this {
    return this.#add(event, listener, false);
  }

  /** Adds a listener called at most once. */
  once<E extends RookeryEventName>(event: E, listener: Listener<E>): this {
    return this.#add(event, listener, true);
  }

  /** Removes every registration of `listener` for `event` (as eventemitter3 does). */
  off<E extends RookeryEventName>(event: E, listener: Listener<E>): this {
    const byListener = this.#wrappers.get(event);
    const wrappers = byListener?.get(listener);
    if (!byListener || !wrappers) return this;
    byListener.delete(listener);
    for (const w of wrappers) this.#emitter.off(event, w as never);
    return this;
  }

  /** Number of listeners of `event`. */
  listenerCount(event: RookeryEventName): number {
    return this.#emitter.listenerCount(event);
  }

  /** Removes every listener, or those of `event`. */
  removeAllListeners(event?: RookeryEventName): this {
    if (event === undefined) this.#wrappers.clear();
    else this.#wrappers.delete(event);
    this.#emitter.removeAllListeners(event);
    return this;
  }

  /** Emits an event to every listener. Never throws. */
  emit<E extends RookeryEventName>(event: E, ...args: RookeryEventMap[E]): void {
    try {
      if (event === 'generalError' && this.#emitter.listenerCount('generalError') === 0) {
        this.#safeReport(toError(args[0]), { reason: 'no-listener', event });
        return;
      }
      (this.#emitter.emit as (e: E, ...a: RookeryEventMap[E]) => boolean)(event, ...args);
    } catch (err) {
      // Only reachable through a bug in the emitter itself; never let it escape.
      this.#safeReport(toError(err), { reason: 'listener-threw', event });
    }
  }

  #add<E extends RookeryEventName>(event: E, listener: Listener<E>, once: boolean): this {
    const key = listener;
    const wrapper: Wrapper = (...args) => {
      if (once) this.#forget(event, key, wrapper);
      this.#invoke(event, () => (listener as (...a: unknown[]) => unknown)(...args));
    };
    let byListener = this.#wrappers.get(event);
    if (!byListener) this.#wrappers.set(event, (byListener = new Map()));
    byListener.set(key, [...(byListener.get(key) ?? []), wrapper]);
    if (once) this.#emitter.once(event, wrapper as never);
    else this.#emitter.on(event, wrapper as never);
    return this;
  }

  #forget(event: RookeryEventName, key: AnyListener, wrapper: Wrapper): void {
    const byListener = this.#wrappers.get(event);
    const rest = (byListener?.get(key) ?? []).filter((w) => w !== wrapper);
    if (rest.length) byListener?.set(key, rest);
    else byListener?.delete(key);
  }

  #invoke(event: RookeryEventName, call: () => unknown): void {
    try {
      const out = call();
      if (isThenable(out)) out.then(undefined, (err: unknown) => this.#failed(event, err));
    } catch (err) {
      this.#failed(event, err);
    }
  }

  #failed(event: RookeryEventName, thrown: unknown): void {
    const error = toError(thrown);
    if (event === 'generalError') {
      this.#safeReport(error, { reason: 'listener-threw', event });
      return;
    }
    if (this.#emitter.listenerCount('generalError') === 0) {
      this.#safeReport(error, { reason: 'no-listener', event });
      return;
    }
    const context: GeneralErrorContext = { nodeId: null, source: 'listener' };
    this.emit('generalError', error, context);
  }

  #safeReport(error: Error, info: UndeliveredErrorInfo): void {
    try {
      this.#report(error, info);
    } catch (reporterError) {
      try {
        console.error(`${STDERR_PREFIX} onListenerError threw while reporting:`, error, reporterError);
      } catch {
        // stderr itself is gone: nothing more can be done.
      }
    }
  }
}

/**
 * Creates a node's event bus.
 *
 * @param options - see {@link EventBusOptions}
 * @example
 * ```ts
 * const bus = createEventBus();
 * bus.on('generalError', (err, ctx) => log.error({ err, ...ctx }));
 * bus.on('taskCompleted', (task) => metrics.inc('completed'));
 * ```
 */
export function createEventBus(options?: EventBusOptions): TypedEventBus {
  return new TypedEventBus(options);
}

/** Rejection of {@link waitFor} when the event did not come in time. */
export class WaitForTimeoutError extends Error {
  /**
   * @param event - the awaited event
   * @param timeoutMs - how long it waited
   */
  constructor(
    readonly event: RookeryEventName,
    readonly timeoutMs: number,
  ) {
    super(`waitFor('${event}'): no matching event within ${timeoutMs} ms`);
    this.name = 'WaitForTimeoutError';
  }
}

/**
 * Resolves with the arguments of the next `event` for which `predicate` holds (any, if no
 * predicate). Rejects with {@link WaitForTimeoutError} after `timeoutMs` (no limit if
 * omitted), or with the predicate's exception. The listener is removed either way.
 *
 * @example
 * ```ts
 * const [task] = await waitFor(bus, 'taskCompleted', (t) => t.scheduleId === id, 5_000);
 * ```
 */
export function waitFor<E extends RookeryEventName>(
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
      } catch (err) {
        done();
        reject(err instanceof Error ? err : new Error(String(err), { cause: err }));
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
        reject(new WaitForTimeoutError(event, timeoutMs));
      }, timeoutMs);
    }
  });
}
