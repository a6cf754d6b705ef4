import { PermanentError, ValidationError } from '@rookery/core';
import type { ExecutionContext, Json, StandardSchemaV1, TypedExecutor } from '@rookery/core';
import { EXECUTOR_NAME_PATTERN, functionExecutors } from './function-executor.js';

/** What the `run` of a {@link defineExecutor} gets: the attempt's context, its payload typed and parsed by the schema. */
export type TypedExecutionContext<Payload> = Omit<ExecutionContext, 'payload'> & {
  /** The payload, as the schema's output. */
  payload: Payload;
};

/** Definition of a typed executor; see {@link defineExecutor}. */
export interface TypedExecutorDefinition<Schema extends StandardSchemaV1> {
  /** Name that schedules and jobs refer to: letters, digits and `@ . _ : / -`. */
  name: string;
  /** Any Standard Schema validator (zod, valibot, arktype...) of the payload. */
  payload: Schema;
  /**
   * Runs one attempt with the payload as the schema's output. Returns the task's JSON result,
   * or nothing; throwing fails the attempt (a `PermanentError` is never retried).
   */
  run(ctx: TypedExecutionContext<StandardSchemaV1.InferOutput<Schema>>): Promise<Json | void> | Json | void;
}

/** A typed executor made by {@link defineExecutor}: an `Executor` that carries its schema. */
export interface DefinedExecutor<Schema extends StandardSchemaV1> extends TypedExecutor<
  StandardSchemaV1.InferInput<Schema>
> {
  /** The payload schema. */
  readonly payloadSchema: Schema;
}

/**
 * The field a schema issue is about: `payload`, then each step of its path, dotted for keys
 * and bracketed for array indexes (`payload.items[2].sku`).
 */
function issueField(issue: StandardSchemaV1.Issue): string {
  let field = 'payload';
  for (const step of issue.path ?? []) {
    const key = typeof step === 'object' && step !== null ? step.key : step;
    field += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  }
  return field;
}

/**
 * Runs the schema on a payload: its output, or a ValidationError naming the field of the
 * first issue (its message lists them all).
 */
async function parsePayload<Schema extends StandardSchemaV1>(
  schema: Schema,
  payload: Json,
): Promise<StandardSchemaV1.InferOutput<Schema>> {
  const result = await schema['~standard'].validate(payload);
  if (!result.issues) return result.value as StandardSchemaV1.InferOutput<Schema>;
  const [first] = result.issues;
  const all = result.issues.map((issue) => `${issueField(issue)}: ${issue.message}`).join('; ');
  throw new ValidationError(
    first ? issueField(first) : 'payload',
    first && result.issues.length === 1 ? first.message : all,
  );
}

/**
 * Defines an in-process executor whose payload is checked by a Standard Schema validator
 * (https://standardschema.dev: zod 3.24+, valibot, arktype...) and typed by it.
 *
 * - Passed as a schedule's `executor` (`client.createSchedule({ executor: sendReport, ... })`,
 *   `upsertSchedule`, `syncSchedules`), it types the payload as the schema's input, and the
 *   client refuses a payload the schema rejects with a ValidationError naming the field from
 *   the issue's path (`payload.to`), writing nothing.
 * - On a node, `run` gets `ctx.payload` as the schema's output (defaults and transforms
 *   applied). A stored payload the schema no longer accepts fails the attempt with a
 *   `PermanentError` (retrying would not help).
 * - Its `validate` is the schema, so schedules submitted for validation (`clientId`) are
 *   checked by it too.
 *
 * @param definition - name, payload schema and `run`
 * @throws ValidationError on `name` for a malformed name
 * @example
 * ```ts
 * import { z } from 'zod';
 *
 * export const sendReport = defineExecutor({
 *   name: 'send-report',
 *   payload: z.object({ to: z.string().email(), format: z.enum(['pdf', 'csv']).default('pdf') }),
 *   run: async (ctx) => {
 *     ctx.log(`sending a ${ctx.payload.format} to ${ctx.payload.to}`);
 *     return { sent: true };
 *   },
 * });
 * ```
 */
export function defineExecutor<Schema extends StandardSchemaV1>(
  definition: TypedExecutorDefinition<Schema>,
): DefinedExecutor<Schema> {
  const { name, payload: schema, run } = definition;
  if (typeof name !== 'string' || !EXECUTOR_NAME_PATTERN.test(name)) {
    throw new ValidationError(
      'name',
      `executor name '${String(name)}' must be non-empty and contain only letters, digits and @ . _ : / -`,
    );
  }
  if (typeof schema?.['~standard']?.validate !== 'function') {
    throw new ValidationError(
      'payload',
      'must be a Standard Schema validator (an object with ~standard.validate, such as a zod schema)',
    );
  }
  const [runner] = functionExecutors({
    [name]: async (ctx: ExecutionContext) => {
      let parsed: StandardSchemaV1.InferOutput<Schema>;
      try {
        parsed = await parsePayload(schema, ctx.payload);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        throw new PermanentError(`executor '${name}': the stored payload does not pass its schema: ${error.message}`, {
          cause: error,
        });
      }
      return run({ ...ctx, payload: parsed });
    },
  });
  if (!runner) throw new Error(`functionExecutors made no executor for '${name}'`);
  return {
    name,
    payloadSchema: schema,
    validate: async (payload: Json) => {
      await parsePayload(schema, payload);
    },
    start: (ctx) => runner.start(ctx),
  };
}
