import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import type { Task } from '../model/task.js';

/** Name of Rookery's tracer. */
export const TRACER_NAME = '@rookery/core';

/** Names of the attributes Rookery's spans carry. */
export const SPAN_ATTRIBUTES = {
  taskId: 'rookery.task.id',
  scheduleId: 'rookery.schedule.id',
  attempt: 'rookery.task.attempt',
  fence: 'rookery.task.fence',
  executor: 'rookery.executor',
  count: 'rookery.task.count',
  nodeId: 'rookery.node.id',
  state: 'rookery.task.state',
} as const;

/** The attributes of a span about one task: id, schedule (when it has one), attempt, fence, executor. */
export function taskAttributes(task: Task): Attributes {
  return {
    [SPAN_ATTRIBUTES.taskId]: task.id,
    ...(task.scheduleId === null ? {} : { [SPAN_ATTRIBUTES.scheduleId]: task.scheduleId }),
    [SPAN_ATTRIBUTES.attempt]: task.attempt,
    [SPAN_ATTRIBUTES.fence]: task.fence,
    [SPAN_ATTRIBUTES.executor]: task.executor,
  };
}

/** What a traced piece of work is. */
export interface SpanSpec {
  /** Span name: `rookery.enqueue`, `rookery.peel`, `rookery.claim`, `rookery.run`, `rookery.finish`. */
  name: string;
  /** Its attributes at the start. */
  attributes?: Attributes;
  /** The parent context. @defaultValue the active context */
  parent?: Context;
  /** Producer (enqueue), consumer (run) or internal. @defaultValue internal */
  kind?: SpanKind;
}

/**
 * Runs `work` inside a new span of Rookery's tracer, active for the work (and whatever the work
 * starts): the span records a thrown error (status error) and ends when the work settles. With
 * no tracer provider registered the span is a no-op and costs next to nothing.
 *
 * @param spec - name, attributes, parent and kind
 * @param work - the traced work; it gets the span to add attributes
 */
export function inSpan<T>(spec: SpanSpec, work: (span: Span) => Promise<T>): Promise<T> {
  const tracer = trace.getTracer(TRACER_NAME);
  const parent = spec.parent ?? context.active();
  return tracer.startActiveSpan(
    spec.name,
    { kind: spec.kind ?? SpanKind.INTERNAL, ...(spec.attributes ? { attributes: spec.attributes } : {}) },
    parent,
    async (span) => {
      try {
        return await work(span);
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/**
 * Records a span of work already done, from `startTime` (epoch ms) to now, in a trace of its
 * own: for a duty's round that turned out to find work (a peel or a claim), so that an idle
 * node's polls leave no spans.
 *
 * @param name - span name
 * @param startTime - when the work began, epoch ms
 * @param attributes - the span's attributes
 */
export function recordSpan(name: string, startTime: number, attributes: Attributes): void {
  trace.getTracer(TRACER_NAME).startSpan(name, { kind: SpanKind.INTERNAL, startTime, attributes }, ROOT_CONTEXT).end();
}

/**
 * Notes the state an attempt left its task in on the active span (the attempt's `rookery.run`):
 * `rookery.task.state`, and status error when `failed` (the attempt failed: for good, or to be retried).
 */
export function markRunSpan(task: Task, failed: boolean): void {
  const span = trace.getActiveSpan();
  if (!span) return;
  span.setAttribute(SPAN_ATTRIBUTES.state, task.state);
  if (failed) span.setStatus({ code: SpanStatusCode.ERROR, message: task.error ?? 'failed' });
}
