import { ROOT_CONTEXT, context, createTraceState, isSpanContextValid, trace, type Context } from '@opentelemetry/api';

/** A W3C `traceparent`: version 00, trace id, parent span id, flags. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The trace context a task stores, as the W3C Trace Context headers carry it. */
interface StoredTraceContext {
  /** `00-<trace id>-<span id>-<flags>`. */
  traceparent: string;
  /** Vendor entries, if any. */
  tracestate?: string;
}

/**
 * The trace context of the code running now, as stored with a task (`trace_context`): a JSON
 * object with the W3C `traceparent` and, if any, `tracestate`. Null when there is no active
 * span with a valid context (no tracer provider registered, or no span open): nothing is
 * stored then.
 *
 * @param active - the context to read @defaultValue the active context
 */
export function currentTraceContext(active: Context = context.active()): string | null {
  const span = trace.getSpanContext(active);
  if (!span || !isSpanContextValid(span)) return null;
  const stored: StoredTraceContext = {
    traceparent: `00-${span.traceId}-${span.spanId}-${(span.traceFlags & 0xff).toString(16).padStart(2, '0')}`,
  };
  const state = span.traceState?.serialize();
  if (state) stored.tracestate = state;
  return JSON.stringify(stored);
}

/**
 * The context to start a task's spans in: the stored trace context of the code that enqueued
 * it as a remote parent, or the root context when none is stored (or it cannot be read: a
 * broken trace context never stops a task).
 *
 * @param stored - the task's `traceContext`
 */
export function storedParentContext(stored: string | null): Context {
  if (stored === null) return ROOT_CONTEXT;
  let parsed: Partial<StoredTraceContext>;
  try {
    parsed = JSON.parse(stored) as Partial<StoredTraceContext>;
  } catch {
    // unreadable: the task runs in a trace of its own
    return ROOT_CONTEXT;
  }
  const match = typeof parsed.traceparent === 'string' ? TRACEPARENT.exec(parsed.traceparent) : null;
  if (!match?.[1] || !match[2] || !match[3]) return ROOT_CONTEXT;
  const spanContext = {
    traceId: match[1],
    spanId: match[2],
    traceFlags: Number.parseInt(match[3], 16),
    isRemote: true,
    ...(typeof parsed.tracestate === 'string' ? { traceState: createTraceState(parsed.tracestate) } : {}),
  };
  return isSpanContextValid(spanContext) ? trace.setSpanContext(ROOT_CONTEXT, spanContext) : ROOT_CONTEXT;
}
