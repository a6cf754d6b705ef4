/**
 * Rookery messaging: the typed event bus of a node, and wake signals between processes over
 * PostgreSQL LISTEN/NOTIFY ({@link pgWakeSignals}). A listener's exception never escapes
 * `emit`: it is emitted as `generalError`, and what cannot be delivered is written to stderr.
 *
 * @example
 * ```ts
 * import { createEventBus, waitFor } from '@rookery/messaging';
 *
 * const bus = createEventBus();
 * bus.on('generalError', (error, ctx) => console.warn(`[${ctx.source}]`, error));
 * bus.on('taskFailed', (task, error) => console.warn(`task ${task.id} failed: ${error}`));
 *
 * // in a test: wait for the next completion of one schedule, at most 5 s
 * const [task] = await waitFor(bus, 'taskCompleted', (t) => t.scheduleId === id, 5_000);
 * ```
 * @packageDocumentation
 */
export {
  createEventBus,
  TypedEventBus,
  waitFor,
  WaitForTimeoutError,
  STDERR_PREFIX,
  type EventBusOptions,
  type Listener,
  type UndeliveredErrorInfo,
} from './event-bus.js';
export { pgWakeSignals, type PgWakeSignals, type PgWakeSignalsOptions } from './pg-wake-signals.js';
export { wakeChannel } from './wake-channel.js';
export { WakeSignalsError } from './wake-signals-error.js';
