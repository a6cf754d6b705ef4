import { ValidationError, type Executor } from '@rookery/core';
import { functionExecutors, type TaskFunctionModule } from '@rookery/executor';

/**
 * The executors of a Rookery node, as `createRookery` takes them: a map from executor names to
 * task functions or executor objects (`{ 'send-report': async (ctx) => ... }`), or a list of
 * executors that carry their own names (`defineExecutor(...)`, `processExecutor(...)`).
 */
export type ExecutorsInput = TaskFunctionModule | readonly Executor[];

/**
 * Turns {@link ExecutorsInput} into the node's executors.
 *
 * @throws ValidationError on `executors.<name>` for a malformed name, a value that is neither a
 *   function nor an executor, an executor object whose `name` differs from its key, or a name
 *   given twice in a list
 */
export function executorsOf(input: ExecutorsInput): Executor[] {
  if (!Array.isArray(input)) {
    const module = input as TaskFunctionModule;
    for (const [key, value] of Object.entries(module)) {
      const named = typeof value === 'object' && value !== null ? (value as { name?: unknown }).name : undefined;
      if (named !== undefined && named !== key)
        throw new ValidationError(
          `executors.${key}`,
          `is an executor named '${String(named)}'; use its name as the key, or pass a list of executors`,
        );
    }
    return functionExecutors(module);
  }
  const seen = new Set<string>();
  return input.map((executor: unknown, i) => {
    const e = executor as Partial<Executor> | null;
    if (typeof e !== 'object' || e === null || typeof e.name !== 'string' || typeof e.start !== 'function') {
      throw new ValidationError(
        `executors[${i}]`,
        'must be an executor: an object with a name and a start function (defineExecutor makes one)',
      );
    }
    if (seen.has(e.name)) throw new ValidationError(`executors.${e.name}`, `executor '${e.name}' is given twice`);
    seen.add(e.name);
    return e as Executor;
  });
}
