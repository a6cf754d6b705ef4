import type { ExecutionContext, ExecutionStart, Executor } from '../../executor/executor.js';
import type { Json } from '../../json.js';

/** A task as a function of its attempt's context; what it returns (or `null` for nothing) is the result. */
export type TestTaskFunction = (ctx: ExecutionContext) => Promise<Json | void> | Json | void;

/** Executors by name: each a task function or an executor object without its name. */
export type TestExecutorModule = Record<string, TestTaskFunction | Omit<Executor, 'name'>>;

/**
 * One executor per entry of `module`, named by its key. A function's `start` resolves
 * `{ kind: 'done', result }` with what it returns, and rejects with its error, or with the
 * signal's abort reason as soon as the signal aborts (even if the function never settles). An
 * executor object lends its `start`, `validate`, `status` and `cancel`, called on the object.
 * Results are not checked: that is the node's part.
 *
 * @example
 * ```ts
 * const executors = testExecutors({ work: async ({ payload }) => ({ echoed: payload }) });
 * ```
 */
export function testExecutors(module: TestExecutorModule): Executor[] {
  return Object.entries(module).map(([name, entry]): Executor => {
    if (typeof entry === 'function') return { name, start: (ctx) => runUntilAborted(entry, ctx) };
    const { validate, start, status, cancel } = entry;
    return {
      name,
      ...(validate ? { validate: (payload: Json) => validate.call(entry, payload) } : {}),
      start: (ctx) => start.call(entry, ctx),
      ...(status ? { status: (id: string) => status.call(entry, id) } : {}),
      ...(cancel ? { cancel: (id: string) => cancel.call(entry, id) } : {}),
    };
  });
}

function runUntilAborted(fn: TestTaskFunction, ctx: ExecutionContext): Promise<ExecutionStart> {
  return new Promise<ExecutionStart>((resolve, reject) => {
    const { signal } = ctx;
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    // Always subscribed, so a rejection after the abort won the race is never unhandled.
    new Promise<Json | void>((settle) => settle(fn(ctx))).then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve({ kind: 'done', result: value ?? null });
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
