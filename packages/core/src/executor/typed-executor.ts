import type { ScheduleInput } from '../model/schedule-input.js';
import type { Executor } from './executor.js';

/**
 * An executor whose payload type TypeScript knows (what `defineExecutor` of
 * `@rookery/executor` returns). Passed as the `executor` of a schedule instead of its name,
 * it types the payload, and the client runs its `validate` on the payload before anything is
 * stored.
 *
 * @typeParam Payload - what a schedule or job of this executor carries
 */
export interface TypedExecutor<Payload> extends Executor {
  /** Type-only marker of the payload type; never present at run time. */
  readonly '~payload'?: Payload;
}

/**
 * A schedule whose executor is given as a {@link TypedExecutor}: its payload must have the
 * executor's payload type (the executor's type decides; the payload is checked against it).
 *
 * @typeParam Payload - the executor's payload type
 */
export type TypedScheduleInput<Payload> = Omit<ScheduleInput, 'executor' | 'payload'> & {
  /** The executor object; the schedule stores its name. */
  executor: TypedExecutor<Payload>;
  /** The payload, of the executor's payload type. */
  payload: NoInfer<Payload>;
};

/** A schedule as a client takes it: the executor by name (any JSON payload), or as a typed executor. */
export type AnyScheduleInput<Payload = unknown> = ScheduleInput | TypedScheduleInput<Payload>;

/**
 * The plain input of a schedule given with a typed executor: runs the executor's `validate` on
 * the payload (a ValidationError naming the field, `payload.to`, when it is refused) and puts
 * the executor's name in its place. A schedule given by executor name is returned as it is.
 *
 * @param input - the schedule as the caller wrote it
 * @throws ValidationError from the executor's `validate`
 */
export async function plainScheduleInput<Payload>(input: AnyScheduleInput<Payload>): Promise<ScheduleInput> {
  if (typeof input.executor === 'string' || input.executor === null || typeof input.executor !== 'object')
    return input as ScheduleInput;
  const executor = input.executor;
  const payload = (input.payload ?? null) as ScheduleInput['payload'];
  if (executor.validate) await executor.validate(payload ?? null);
  return { ...input, executor: executor.name, payload } as ScheduleInput;
}
