import { trace } from '@opentelemetry/api';
import { MemoryDatastore } from '@rookery/core';
import { describe, expect, it } from 'vitest';
import { captureSpans } from '../../../core/test/tracing/span-capture.js';
import { apiServer, call } from './api-harness.js';

describe('a task as the API answers it', () => {
  it('leaves out the trace context the task stores for its nodes', async () => {
    const capture = captureSpans();
    try {
      const { app, client, errors } = await apiServer(new MemoryDatastore());
      const { task } = await trace.getTracer('app').startActiveSpan('request', async (span) => {
        try {
          return await client.enqueue({ executor: 'noop', payload: { n: 1 } });
        } finally {
          span.end();
        }
      });
      expect(task.traceContext).toMatch(/traceparent/);
      const answer = await call(app, { method: 'GET', url: `/api/v1/tasks/${task.id}`, role: 'read' });
      expect(answer.status).toBe(200);
      const shown = (answer.body as { task: Record<string, unknown> }).task;
      expect(shown).toMatchObject({ id: task.id, executor: 'noop', payload: { n: 1 } });
      expect(Object.keys(shown)).not.toContain('traceContext');
      expect(errors).toEqual([]);
      await app.close();
    } finally {
      await capture.close();
    }
  });
});
