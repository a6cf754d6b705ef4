import { ValidationError, type Executor } from '@rookery/core';
import {
  ExecutorLoadError,
  ExecutorPackageError,
  functionExecutors,
  loadExecutorPackage,
  loadFunctionModule,
  type TaskFunctionModule,
} from '@rookery/executor';
import { BUILT_IN_EXECUTORS } from './built-in-executors.js';

/** Told of each function module that could not be loaded; the node goes on without it. */
export type ExecutorLoadFailure = (error: ExecutorLoadError) => void;

/**
 * Loads function modules and makes their executors. A name offered by two modules, or one of
 * {@link BUILT_IN_EXECUTORS}, is refused. A module that cannot be loaded (missing, throws while loading, wrong shape) is passed to
 * `onLoadFailure` and skipped, so the other modules' executors still run; without
 * `onLoadFailure` its error is thrown.
 *
 * @param paths - module paths, relative to the working directory
 * @param onLoadFailure - reports a module that failed to load
 * @throws ExecutorLoadError (field `executors`, only without `onLoadFailure`) or ValidationError on `executors.<name>`
 */
export async function loadExecutors(
  paths: readonly string[],
  onLoadFailure?: ExecutorLoadFailure,
): Promise<Executor[]> {
  const byName = new Map<string, Executor>();
  for (const path of paths) {
    let module: TaskFunctionModule;
    try {
      module = await loadFunctionModule(path);
    } catch (error) {
      if (!onLoadFailure || !(error instanceof ExecutorLoadError)) throw error;
      onLoadFailure(error);
      continue;
    }
    for (const e of functionExecutors(module)) {
      if ((BUILT_IN_EXECUTORS as readonly string[]).includes(e.name)) {
        throw new ValidationError(
          `executors.${e.name}`,
          `executor '${e.name}' (in ${path}) is built into rookery node; give the function another name`,
        );
      }
      if (byName.has(e.name))
        throw new ValidationError(
          `executors.${e.name}`,
          `executor '${e.name}' is offered by two modules (second: ${path})`,
        );
      byName.set(e.name, e);
    }
  }
  return [...byName.values()];
}

/**
 * Loads executor packages (see `loadExecutorPackage`), resolved from the working directory.
 * A name already in `taken` (built-in executors, the modules' functions) or offered by two
 * packages is refused. A package that cannot be loaded is passed to `onLoadFailure` and
 * skipped; without `onLoadFailure` its error is thrown.
 *
 * @param names - package names
 * @param taken - executor names offered already
 * @param onLoadFailure - reports a package that failed to load
 * @throws ExecutorPackageError (only without `onLoadFailure`) or ValidationError on `executors.<name>`
 */
export async function loadExecutorPackages(
  names: readonly string[],
  taken: ReadonlySet<string>,
  onLoadFailure?: (error: ExecutorPackageError) => void,
): Promise<Executor[]> {
  const byName = new Map<string, Executor>();
  for (const name of names) {
    let executors: Executor[];
    try {
      executors = await loadExecutorPackage(name);
    } catch (error) {
      if (!onLoadFailure || !(error instanceof ExecutorPackageError)) throw error;
      onLoadFailure(error);
      continue;
    }
    for (const e of executors) {
      if (taken.has(e.name) || byName.has(e.name)) {
        throw new ValidationError(
          `executors.${e.name}`,
          `executor '${e.name}' (in package ${name}) is offered already by a built-in, a module or another package`,
        );
      }
      byName.set(e.name, e);
    }
  }
  return [...byName.values()];
}
