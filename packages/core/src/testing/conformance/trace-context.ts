import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { NewJob } from '../../datastore/datastore.js';
import type { ConformanceContext } from '../fixtures.js';

/** A stored trace context as the client writes it (W3C traceparent and tracestate, as JSON). */
const TRACE_CONTEXT = JSON.stringify({
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  tracestate: 'vendor=opaque',
});

/** Trace contexts: a job stores its enqueuer's, and every read of its task gives it back. */
export function describeTraceContext(ctx: ConformanceContext): void {
  const job = (traceContext: string | null | undefined): NewJob => ({
    id: randomUUID(),
    executor: ctx.exec,
    payload: {},
    policies: {
      duplicate: 'run',
      retry: { kind: 'none', maxAttempts: 1, delayMs: 1000, factor: 2, maxDelayMs: 1000, jitter: 0 },
      timeoutMs: null,
      priority: 0,
      delivery: 'at-least-once',
      taskCreation: 'ahead',
    },
    runAt: null,
    key: null,
    keyLock: null,
    ...(traceContext === undefined ? {} : { traceContext }),
  });

  describe('trace context', () => {
    it('a job keeps the trace context it was enqueued with, through its claim; none is null', async () => {
      const { store, t0, claim } = ctx;
      const answers = await store.taskEnqueue({ jobs: [job(TRACE_CONTEXT), job(null), job(undefined)], now: t0 });
      expect(answers.map((a) => a.task.traceContext)).toEqual([TRACE_CONTEXT, null, null]);
      const [traced] = answers;
      expect((await store.taskGet(traced?.task.id ?? ''))?.traceContext).toBe(TRACE_CONTEXT);
      const { started } = await claim({ now: t0 + 1 });
      expect(new Map(started.map((t) => [t.id, t.traceContext]))).toEqual(
        new Map(answers.map((a) => [a.task.id, a.task.traceContext])),
      );
    });

    it('a bulk enqueue past one insert’s 2 000 rows stores each job’s own trace context', async () => {
      const { store, t0 } = ctx;
      // 2 001 jobs: past the 2 000 rows of one multi-row insert, traced and untraced alternating.
      const jobs = Array.from({ length: 2_001 }, (_, i) => job(i % 2 === 0 ? TRACE_CONTEXT : null));
      const answers = await store.taskEnqueue({ jobs, now: t0 });
      expect(answers.map((a) => a.task.traceContext)).toEqual(jobs.map((j) => j.traceContext));
      // Read back from the store: the first job, the last of the first insert and the one after it.
      const stored = await Promise.all(
        [0, 1_999, 2_000].map(async (i) => (await store.taskGet(answers[i]?.task.id ?? ''))?.traceContext),
      );
      expect(stored).toEqual([TRACE_CONTEXT, null, TRACE_CONTEXT]);
    });
  });
}
