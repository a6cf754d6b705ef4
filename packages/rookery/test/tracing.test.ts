import { trace } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { captureSpans, parentOf } from '../../core/test/tracing/span-capture.js';
import { testDialects, type TestDatabase } from '../../datastore-sql/test/helpers/test-databases.js';
import { RookeryClient, createRookery, createSqlDatastore, waitFor, type Rookery } from '../src/index.js';

const dialects = (await testDialects()).filter((d) => d.label !== 'mariadb');

for (const dialect of dialects) {
  describe.skipIf(!dialect.available)(`traces on ${dialect.label}`, () => {
    let db: TestDatabase | undefined;
    let rookery: Rookery | undefined;
    let capture: ReturnType<typeof captureSpans> | undefined;

    beforeAll(async () => {
      db = await dialect.create();
    });
    afterEach(async () => {
      await rookery?.close();
      await capture?.close();
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('a job enqueued inside a span by one process’s client runs on a node in a child span of the enqueue span', async () => {
      capture = captureSpans();
      rookery = await createRookery({
        db: db?.url ?? '',
        executors: { traced: async (ctx) => ({ attempt: ctx.task.attempt }) },
        wakeSignals: 'none',
      });
      // The enqueuing client has a datastore of its own: the context reaches the node through the task's row only.
      const enqueuer = await createSqlDatastore({ url: db?.url ?? '', migrate: false });
      try {
        const client = new RookeryClient({ datastore: enqueuer, builtInExecutors: ['traced'] });
        const done = waitFor(rookery.events, 'taskCompleted', undefined, 20_000);
        const { task } = await trace.getTracer('app').startActiveSpan('request', async (span) => {
          try {
            return await client.enqueue({ executor: 'traced', payload: { n: 1 } });
          } finally {
            span.end();
          }
        });
        expect((await rookery.client.getTask(task.id)).traceContext).toBe(task.traceContext);
        await done;
        for (let waited = 0; !capture.spans().some((s) => s.name === 'rookery.run') && waited < 5_000; waited += 10)
          await new Promise((r) => setTimeout(r, 10));
        const spans = capture.spans();
        const one = (name: string) => {
          const found = spans.find((s) => s.name === name);
          if (!found) throw new Error(`no ${name} span among ${spans.map((s) => s.name).join(', ')}`);
          return found;
        };
        const [request, enqueue, run, finish] = ['request', 'rookery.enqueue', 'rookery.run', 'rookery.finish'].map(
          one,
        );
        if (!request || !enqueue || !run || !finish) throw new Error('missing spans');
        for (const s of [enqueue, run, finish]) expect(s.spanContext().traceId).toBe(request.spanContext().traceId);
        expect(parentOf(enqueue)).toBe(request.spanContext().spanId);
        expect(parentOf(run)).toBe(enqueue.spanContext().spanId);
        expect(parentOf(finish)).toBe(run.spanContext().spanId);
        expect(run.attributes).toMatchObject({
          'rookery.task.id': task.id,
          'rookery.task.attempt': 1,
          'rookery.task.fence': 1,
          'rookery.executor': 'traced',
          'rookery.task.state': 'completed',
        });
      } finally {
        await enqueuer.close();
      }
    });
  });
}
