import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ValidationError, type Executor } from '@rookery/core';
import { EXECUTOR_NAME_PATTERN } from './function-executor.js';

/**
 * What an executor package's default export must be: one {@link Executor}, or an array of
 * them (each with its own name).
 */
export type ExecutorPackageExport = Executor | readonly Executor[];

/**
 * An executor package could not be loaded: it is not installed where Node's module resolution
 * looks, it threw while loading, or its default export is not an executor (or an array of
 * them). A {@link ValidationError} on the field `executorPackages`; `cause` holds the
 * underlying error.
 */
export class ExecutorPackageError extends ValidationError {
  /** The package name as given. */
  readonly packageName: string;

  /**
   * @param packageName - the package name as given
   * @param message - what went wrong
   * @param options - the underlying error
   */
  constructor(packageName: string, message: string, options?: { cause?: unknown }) {
    super('executorPackages', `cannot load executor package '${packageName}': ${message}`, options);
    this.packageName = packageName;
  }
}

/**
 * Checks that `value` is an executor: an object with a valid `name`, a `start` function and,
 * when present, `status` and `cancel` functions.
 *
 * @param value - what a package exported
 * @param where - how to name it in an error (`default`, `default[1]`)
 * @throws Error saying what is wrong
 */
function assertExecutor(value: unknown, where: string): asserts value is Executor {
  if (typeof value !== 'object' || value === null)
    throw new Error(`${where} must be an executor object, got ${value === null ? 'null' : typeof value}`);
  const e = value as Record<string, unknown>;
  if (typeof e['name'] !== 'string' || !EXECUTOR_NAME_PATTERN.test(e['name'])) {
    throw new Error(
      `${where}.name must be an executor name (letters, digits and @ . _ : / -), got ${JSON.stringify(e['name'])}`,
    );
  }
  if (typeof e['start'] !== 'function') throw new Error(`${where}.start must be a function`);
  for (const optional of ['status', 'cancel']) {
    if (e[optional] !== undefined && typeof e[optional] !== 'function')
      throw new Error(`${where}.${optional} must be a function when given`);
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Loads an executor package: an npm package whose default export is an executor or an array
 * of executors ({@link ExecutorPackageExport}), written against the `Executor` interface of
 * `@rookery/core`. The name is resolved with Node's module resolution from `from` (the
 * `node_modules` folders of that directory and its parents), so the package must be installed
 * there; its `exports` need a `default` (or `require`) condition, or a `main`.
 *
 * @param name - package name (`my-executor`, `@acme/rookery-executor`), or a path
 * @param options - `from`: the directory resolution starts in. @defaultValue `process.cwd()`
 * @returns the executors, in the order exported
 * @throws ExecutorPackageError (field `executorPackages`) with `cause`
 * @example
 * ```ts
 * const node = new RookeryNode({
 *   datastore, events, pool,
 *   executors: [...(await loadExecutorPackage('rookery-example-executor')), ...functionExecutors(tasks)],
 * });
 * ```
 */
export async function loadExecutorPackage(name: string, options: { from?: string } = {}): Promise<Executor[]> {
  const from = resolve(options.from ?? process.cwd());
  let entry: string;
  try {
    entry = createRequire(join(from, 'package.json')).resolve(name);
  } catch (err) {
    const missing = (err as { code?: unknown }).code === 'MODULE_NOT_FOUND';
    throw new ExecutorPackageError(name, missing ? `not installed (looked from ${from})` : errorMessage(err), {
      cause: err,
    });
  }
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
  } catch (err) {
    throw new ExecutorPackageError(name, `it threw while loading: ${errorMessage(err)}`, { cause: err });
  }
  const exported = namespace['default'];
  const list: unknown[] = Array.isArray(exported) ? exported : [exported];
  try {
    if (list.length === 0) throw new Error('default exports no executor (an empty array)');
    list.forEach((e, i) => assertExecutor(e, Array.isArray(exported) ? `default[${i}]` : 'default'));
  } catch (err) {
    throw new ExecutorPackageError(name, errorMessage(err), { cause: err });
  }
  return list as Executor[];
}
