import { PermanentError, ValidationError } from '@rookery/core';
import type { ExecutionContext, ExecutionStart, Executor, Json } from '@rookery/core';

/**
 * A task written as a function. It gets the attempt's context (payload, fence, abort signal,
 * log, heartbeat) and returns the task's JSON result, or nothing. Throwing (or rejecting)
 * fails the attempt; throw a `PermanentError` to fail it without retry.
 */
export type TaskFunction = (ctx: ExecutionContext) => Promise<Json | void> | Json | void;

/**
 * An executor written as an object, for work that runs outside the node: `start` may hand the
 * attempt to an external system (`{ kind: 'external', executionId }`) whose outcome the node
 * then learns from `status` (polled) or a message; `validate` checks payloads of schedules
 * submitted for validation. The name comes from the module's key.
 */
export type ExecutorDefinition = Omit<Executor, 'name'>;

/**
 * Executors by name: what {@link functionExecutors} and a function module offer. Each value
 * is a task function or, for external executions, an {@link ExecutorDefinition}.
 */
export type TaskFunctionModule = Record<string, TaskFunction | ExecutorDefinition>;

/** What an executor name may look like. */
export const EXECUTOR_NAME_PATTERN = /^[A-Za-z0-9@._:/-]+$/;

/**
 * Checks that `value` maps valid executor names to functions.
 *
 * @throws ValidationError on `executors` (not an object) or `executors.<name>` (bad name, not a function)
 */
export function assertFunctionModule(value: unknown): asserts value is TaskFunctionModule {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError('executors', 'must be an object mapping executor names to functions or executor objects');
  }
  for (const [name, fn] of Object.entries(value)) {
    const field = `executors.${name}`;
    if (!name) throw new ValidationError(field, 'executor name must not be empty');
    if (!EXECUTOR_NAME_PATTERN.test(name)) {
      throw new ValidationError(field, `executor name '${name}' may contain only letters, digits and @ . _ : / -`);
    }
    if (typeof fn === 'function') continue;
    if (typeof fn !== 'object' || fn === null) {
      throw new ValidationError(
        field,
        `must be a function or an executor object, got ${fn === null ? 'null' : typeof fn}`,
      );
    }
    const e = fn as Record<string, unknown>;
    if (typeof e['start'] !== 'function')
      throw new ValidationError(`${field}.start`, 'an executor object must have a start function');
    for (const optional of ['validate', 'status', 'cancel']) {
      if (e[optional] !== undefined && typeof e[optional] !== 'function') {
        throw new ValidationError(`${field}.${optional}`, `must be a function when given, got ${typeof e[optional]}`);
      }
    }
  }
}

/**
 * Makes one executor per function of `module`, named by its key. `start` calls the function
 * and resolves `{ kind: 'done', result }` (`null` when it returns nothing). It rejects with the
 * function's error; with the signal's abort reason as soon as the signal aborts, even if the
 * function ignores the signal and never settles; and with a `PermanentError` if the result is
 * not plain JSON (Date, Map, undefined inside, NaN, cycles...).
 *
 * @param module - functions by executor name
 * @throws ValidationError naming `executors.<name>` for a bad name or a non-function
 * @example
 * ```ts
 * const executors = functionExecutors({
 *   'send-report': async ({ payload, signal, log }) => {
 *     log('sending');
 *     const res = await fetch(String(payload), { signal });
 *     return { status: res.status };
 *   },
 * });
 * ```
 */
export function functionExecutors(module: TaskFunctionModule): Executor[] {
  assertFunctionModule(module);
  return Object.entries(module).map(([name, fn]): Executor => {
    if (typeof fn === 'function') return { name, start: (ctx: ExecutionContext) => runFunction(name, fn, ctx) };
    const { validate, start, status, cancel } = fn;
    return {
      name,
      ...(validate ? { validate: (payload: Json) => validate.call(fn, payload) } : {}),
      start: (ctx) => start.call(fn, ctx),
      ...(status ? { status: (id: string) => status.call(fn, id) } : {}),
      ...(cancel ? { cancel: (id: string) => cancel.call(fn, id) } : {}),
    };
  });
}

async function runFunction(name: string, fn: TaskFunction, ctx: ExecutionContext): Promise<ExecutionStart> {
  const value = await raceAbort(ctx.signal, () => fn(ctx));
  const result: unknown = value ?? null;
  const bad = findNonJson(result, 'result');
  if (bad !== null) {
    throw new PermanentError(`executor '${name}' returned a result that is not JSON-serialisable: ${bad}`);
  }
  return { kind: 'done', result: result as Json | null };
}

function raceAbort<T>(signal: AbortSignal, call: () => T | Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = (): void => signal.removeEventListener('abort', onAbort);
    // Always subscribe, so a rejection after the abort won the race is never unhandled.
    new Promise<T>((res) => res(call())).then(
      (v) => {
        settle();
        resolve(v);
      },
      (err: unknown) => {
        settle();
        reject(err);
      },
    );
  });
}

/**
 * Finds the first part of `value` that is not plain JSON, or returns null. Strict: undefined,
 * non-finite numbers, bigints, functions, symbols, class instances (Date, Map, Buffer...),
 * objects with `toJSON`, symbol keys and cycles are refused: a JSON round trip would drop or
 * change them silently.
 *
 * @param value - the value to check
 * @param path - how to name `value` in the answer
 * @returns a description such as `result.items[2] is a Date`, or null
 */
export function findNonJson(value: unknown, path: string): string | null {
  return walk(value, path, new Set());
}
function walk(value: unknown, path: string, ancestors: Set<object>): string | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : `${path} is ${String(value)}`;
    case 'object':
      break;
    default:
      return `${path} is ${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`}`;
  }
  if (value === null) return null;
  if (ancestors.has(value)) return `${path} is a circular reference`;
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const bad = walk(value[i], `${path}[${i}]`, ancestors);
        if (bad) return bad;
      }
      return null;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const ctor = (value as { constructor?: { name?: unknown } }).constructor?.name;
      return `${path} is a ${typeof ctor === 'string' && ctor ? ctor : 'non-plain object'}`;
    }
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
      return `${path} has a toJSON method`;
    }
    if (Object.getOwnPropertySymbols(value).length) return `${path} has symbol keys`;
    for (const [key, item] of Object.entries(value)) {
      const bad = walk(item, `${path}.${key}`, ancestors);
      if (bad) return bad;
    }
    return null;
  } finally {
    ancestors.delete(value);
  }
}
