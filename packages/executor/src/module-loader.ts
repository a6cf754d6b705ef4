import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ValidationError } from '@rookery/core';
import { assertFunctionModule, type TaskFunctionModule } from './function-executor.js';

/**
 * A function module could not be loaded: the file is missing, it threw while loading, or it
 * does not export an object of functions. A {@link ValidationError} on the field `executors`;
 * `cause` holds the underlying error.
 */
export class ExecutorLoadError extends ValidationError {
  /** Absolute path of the module. */
  readonly path: string;

  /**
   * @param path - absolute path of the module
   * @param message - what went wrong
   * @param options - the underlying error
   */
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('executors', `cannot load function module ${path}: ${message}`, options);
    this.path = path;
  }
}

/**
 * Loads a module of task functions: its default export, or its namespace if it has none, must
 * be an object mapping executor names to functions. ESM (`.js`, `.mjs`) and CommonJS (`.cjs`,
 * `module.exports = {...}`) both work. A relative path is resolved against `process.cwd()`.
 * Modules are cached by Node: loading a path twice returns the same functions.
 *
 * @param path - file path of the module
 * @returns the functions, ready for `functionExecutors`
 * @throws ExecutorLoadError with `cause` if the file is missing, throws on load, or has the wrong shape
 * @example
 * ```ts
 * const executors = functionExecutors(await loadFunctionModule('./tasks.mjs'));
 * ```
 */
export async function loadFunctionModule(path: string): Promise<TaskFunctionModule> {
  const abs = resolve(process.cwd(), path);
  try {
    if (!(await stat(abs)).isFile()) throw new Error('not a regular file');
  } catch (err) {
    const missing = (err as { code?: unknown }).code === 'ENOENT';
    throw new ExecutorLoadError(abs, missing ? 'no such file' : errorMessage(err), { cause: err });
  }
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (err) {
    throw new ExecutorLoadError(abs, `the module threw while loading: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  const exported = 'default' in namespace ? namespace.default : { ...namespace };
  try {
    assertFunctionModule(exported);
  } catch (err) {
    throw new ExecutorLoadError(abs, errorMessage(err), { cause: err });
  }
  return exported;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
