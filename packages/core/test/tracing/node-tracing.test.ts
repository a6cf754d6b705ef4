import { trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createTestEventBus as createEventBus,
  waitForEvent as waitFor,
  TestWorkerPool as WorkerPool,
  testExecutors as functionExecutors,
} from '../../src/testing/index.js';
import {
  MemoryDatastore,
  RookeryClient,
  RookeryNode,
  currentTraceContext,
  storedParentContext,
} from '../../src/index.js';
import { captureSpans, parentOf } from './span-capture.js';

let capture: ReturnType<typeof captureSpans> | undefined;
afterEach(async () => {
  await capture?.close();
  capture = undefined;
});

describe('traces', () => {
  it('a job enqueued inside a span runs in a child span of its enqueue span, with the task’s attributes', async () => {
    capture = captureSpans();
    const datastore = new MemoryDatastore();
    const events = createEventBus();
    const node = new RookeryNode({
      datastore,
      events,
      executors: functionExecutors({ work: async () => trace.getActiveSpan()?.spanContext().spanId ?? null }),
      pool: new WorkerPool({ concurrency: 2 }),
      pollWaitsMs: [20],
    });
    await node.start();
    try {
      const client = new RookeryClient({ datastore });
      const done = waitFor(events, 'taskCompleted', undefined, 10_000);
      const { task } = await trace.getTracer('app').startActiveSpan('request', async (span) => {
        try {
          return await client.enqueue({ executor: 'work', payload: {} });
        } finally {
          span.end();
        }
      });
      expect(task.traceContext).toMatch(/"traceparent":"00-[0-9a-f]{32}-[0-9a-f]{16}-01"/);
      const [completed] = await done;
      // the run span ends once its attempt is over, just after the event
      for (let waited = 0; !capture.spans().some((s) => s.name === 'rookery.run') && waited < 5_000; waited += 10)
        await new Promise((r) => setTimeout(r, 10));
      const spans = capture.spans();
      const byName = (name: string) => spans.filter((s) => s.name === name);
      const [request] = byName('request');
      const [enqueue] = byName('rookery.enqueue');
      const [run] = byName('rookery.run');
      const [finish] = byName('rookery.finish');
      if (!request || !enqueue || !run || !finish)
        throw new Error(`missing spans: ${spans.map((s) => s.name).join(', ')}`);
      const traceId = request.spanContext().traceId;
      for (const s of [enqueue, run, finish]) expect(s.spanContext().traceId).toBe(traceId);
      expect(parentOf(enqueue)).toBe(request.spanContext().spanId);
      expect(parentOf(run)).toBe(enqueue.spanContext().spanId);
      expect(parentOf(finish)).toBe(run.spanContext().spanId);
      // the executor's own code runs inside the run span
      expect(completed?.result).toBe(run.spanContext().spanId);
      expect(run.attributes).toMatchObject({
        'rookery.task.id': task.id,
        'rookery.task.attempt': 1,
        'rookery.task.fence': 1,
        'rookery.executor': 'work',
        'rookery.task.state': 'completed',
      });
      expect(enqueue.attributes).toMatchObject({ 'rookery.task.id': task.id, 'rookery.task.count': 1 });
      expect(byName('rookery.claim')[0]?.attributes).toMatchObject({
        'rookery.task.id': task.id,
        'rookery.task.count': 1,
      });
    } finally {
      await node.stop();
    }
  });

  it('stores no trace context when no tracer provider is registered, or no span is active', async () => {
    const datastore = new MemoryDatastore();
    const client = new RookeryClient({ datastore, builtInExecutors: ['noop'] });
    const { task } = await trace.getTracer('app').startActiveSpan('request', async (span) => {
      try {
        return await client.enqueue({ executor: 'noop', payload: {} });
      } finally {
        span.end();
      }
    });
    expect(task.traceContext).toBeNull();
    capture = captureSpans();
    expect((await client.enqueue({ executor: 'noop', payload: {} })).task.traceContext).not.toBeNull(); // inside its own enqueue span
    expect(currentTraceContext()).toBeNull();
  });

  it('reads back what it stores, and runs a task whose stored context is broken in a trace of its own', () => {
    capture = captureSpans();
    const stored = trace.getTracer('app').startActiveSpan('s', (span) => {
      span.end();
      return currentTraceContext();
    });
    expect(currentTraceContext(storedParentContext(stored))).toBe(stored);
    for (const broken of [
      'not json',
      '{"traceparent":"01-zz"}',
      '{"traceparent":"00-00000000000000000000000000000000-0000000000000000-01"}',
    ]) {
      expect(trace.getSpanContext(storedParentContext(broken))).toBeUndefined();
    }
  });
});
