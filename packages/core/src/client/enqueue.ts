import type { DatastoreInTransaction } from '../datastore/caller-transaction.js';
import type { EnqueuedTask, NewJob } from '../datastore/datastore.js';
import { UnknownExecutorError } from '../errors/unknown-executor-error.js';
import { ValidationError } from '../errors/validation-error.js';
import type { EventBus } from '../events/event-bus.js';
import { validateJobInput, type JobInput } from '../model/job-input.js';
import { keyLock } from '../model/key-scope.js';
import type { IdStrategy } from '../strategies/ids.js';
import { SpanKind } from '@opentelemetry/api';
import { SPAN_ATTRIBUTES, inSpan, taskAttributes } from '../tracing/spans.js';
import { currentTraceContext } from '../tracing/trace-context.js';
import type { TransactionOption } from './transaction-option.js';
import { WAKE_HORIZON_MS } from './wake-horizon.js';

/**
 * Options of {@link RookeryClient.enqueue} and {@link RookeryClient.enqueueMany}. `Handle` is
 * the kind of transaction handle the client's datastore accepts (`never` when it accepts none).
 */
export interface EnqueueOptions<Handle = never> extends TransactionOption<Handle> {
  /** Accept an executor name no registered node offers yet (a job enqueued ahead of its nodes). */
  force?: boolean;
}

/** What enqueuing needs from the client, directly or inside a caller's transaction. */
export interface EnqueueDeps {
  /** Where the jobs are written and the clock is read. */
  datastore: Pick<DatastoreInTransaction, 'clockNow' | 'taskEnqueue'>;
  /** Where `taskCreated` goes, if anywhere (nowhere inside a caller's transaction). */
  events: EventBus | undefined;
  /** Primary keys. */
  ids: IdStrategy;
  /** Largest payload accepted, in bytes of JSON. */
  maxPayloadBytes: number;
  /** Hints to idle nodes that work falls due at `dueAt`. */
  announce(dueAt: number): Promise<void>;
  /** Executor names known to the cluster (built-ins and those of registered nodes). */
  knownExecutors(): Promise<string[]>;
}

/**
 * Validates every input (a ValidationError whose field starts with its index when `indexed`),
 * checks the executors unless `force`, writes the jobs in one datastore call, emits
 * `taskCreated` for each task written and wakes the nodes for the earliest one due soon.
 * All inside a `rookery.enqueue` span, whose trace context each job stores (when a tracer is
 * registered), so that the job's run span is its child.
 */
export function enqueueJobs(
  deps: EnqueueDeps,
  inputs: readonly JobInput[],
  options: { force?: boolean },
  indexed: boolean,
): Promise<EnqueuedTask[]> {
  return inSpan(
    { name: 'rookery.enqueue', kind: SpanKind.PRODUCER, attributes: { [SPAN_ATTRIBUTES.count]: inputs.length } },
    async (span) => {
      const results = await enqueueTraced(deps, inputs, options, indexed, currentTraceContext());
      const only = results.length === 1 ? results[0] : undefined;
      if (only) span.setAttributes(taskAttributes(only.task));
      return results;
    },
  );
}

/** {@link enqueueJobs} inside its span: `traceContext` is the span's, stored with every job. */
async function enqueueTraced(
  deps: EnqueueDeps,
  inputs: readonly JobInput[],
  options: { force?: boolean },
  indexed: boolean,
  traceContext: string | null,
): Promise<EnqueuedTask[]> {
  const at = (i: number, field: string): string => (indexed ? `[${i}].${field}` : field);
  const valid = inputs.map((input, i) => {
    try {
      return validateJobInput(input, { maxPayloadBytes: deps.maxPayloadBytes });
    } catch (error) {
      if (!indexed || !(error instanceof ValidationError)) throw error;
      throw new ValidationError(at(i, error.field), error.message.slice(error.field.length + 2), { cause: error });
    }
  });
  if (valid.length === 0) return [];
  if (!options.force) {
    const known = await deps.knownExecutors();
    const unknown = valid.findIndex((j) => !known.includes(j.executor));
    const job = valid[unknown];
    if (job) {
      const error = new UnknownExecutorError(job.executor, known);
      if (!indexed) throw error;
      throw new ValidationError(at(unknown, error.field), error.message.slice(error.field.length + 2), {
        cause: error,
      });
    }
  }
  const now = await deps.datastore.clockNow();
  const jobs: NewJob[] = valid.map(({ keyScope, ...j }) => ({
    id: deps.ids(now),
    ...j,
    keyLock: keyLock(j.key, keyScope, now),
    traceContext,
  }));
  const results = await deps.datastore.taskEnqueue({ jobs });
  let earliest = Infinity;
  for (const r of results) {
    if (!r.created) continue;
    deps.events?.emit('taskCreated', r.task);
    earliest = Math.min(earliest, r.task.dueAt);
  }
  if (earliest <= now + WAKE_HORIZON_MS) await deps.announce(Math.max(now, earliest));
  return results;
}
