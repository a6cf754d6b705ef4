import { EventEmitter } from 'node:events';
import {
  DEFAULT_MAX_RESULT_BYTES,
  RookeryClient,
  RookeryNode,
  type EventBus,
  type ExecutionContext,
  type Executor,
  type Json,
  type RookeryEventMap,
  type RookeryEventName,
  type Task,
  type WorkerPool,
} from '@rookery/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlDatastore, type SqlDatastore } from '../src/index.js';
import { testDialects, type TestDatabase } from './helpers/test-databases.js';

/**
 * A result over the node's cap, on each database: one task returns 17 MiB (over MariaDB's
 * default `max_allowed_packet` of 16 MiB) while twenty others finish beside it. The big one
 * fails for good, saying why, and the twenty complete exactly once.
 */
const HEALTHY = 20;
const BIG = 17 * 1_048_576;

/** The node's events, on Node's EventEmitter (the messaging package's bus is not a dependency here). */
class TestEvents implements EventBus {
  private readonly emitter = new EventEmitter();
  on<E extends RookeryEventName>(event: E, listener: (...args: RookeryEventMap[E]) => void): this {
    this.emitter.on(event, listener as (...args: unknown[]) => void);
    return this;
  }
  once<E extends RookeryEventName>(event: E, listener: (...args: RookeryEventMap[E]) => void): this {
    this.emitter.once(event, listener as (...args: unknown[]) => void);
    return this;
  }
  off<E extends RookeryEventName>(event: E, listener: (...args: RookeryEventMap[E]) => void): this {
    this.emitter.off(event, listener as (...args: unknown[]) => void);
    return this;
  }
  emit<E extends RookeryEventName>(event: E, ...args: RookeryEventMap[E]): void {
    this.emitter.emit(event, ...args);
  }
}

/** Worker slots: `size` in all, for any executor. */
function slots(size: number): WorkerPool {
  let busy = 0;
  return {
    free: () => size - busy,
    freeTotal: () => size - busy,
    acquire: () => (busy < size ? (busy += 1) > 0 : false),
    release: () => void (busy -= 1),
    running: () => busy,
  };
}

for (const dialect of await testDialects()) {
  describe.skipIf(!dialect.available)(`a result over maxResultBytes, on ${dialect.label}`, () => {
    let db: TestDatabase | undefined;
    let store: SqlDatastore;
    beforeAll(async () => {
      db = await dialect.create();
      store = await createSqlDatastore({ url: db.url });
    });
    afterAll(async () => {
      await store?.close();
      await db?.drop();
    });

    it(`fails that task for good while the ${HEALTHY} healthy tasks batched with it complete exactly once`, async () => {
      const starts = new Map<string, number>();
      const executor: Executor = {
        name: 'results',
        start: async (ctx: ExecutionContext) => {
          starts.set(ctx.task.id, (starts.get(ctx.task.id) ?? 0) + 1);
          const name = (ctx.payload as { name: string }).name;
          const result: Json = name === 'big' ? { blob: 'x'.repeat(BIG) } : { ok: name };
          return { kind: 'done', result };
        },
      };
      const events = new TestEvents();
      const errors: Error[] = [];
      events.on('generalError', (e) => errors.push(e));
      const ended: Task[] = [];
      const allEnded = new Promise<void>((resolve) => {
        const end = (task: Task): void => {
          ended.push(task);
          if (ended.length === HEALTHY + 1) resolve();
        };
        events.on('taskCompleted', end);
        events.on('taskFailed', end);
      });
      const node = new RookeryNode({
        datastore: store,
        events,
        executors: [executor],
        pool: slots(HEALTHY + 5),
        pollWaitsMs: [50],
      });
      await node.start();
      try {
        const client = new RookeryClient({ datastore: store, builtInExecutors: ['results'] });
        const at = Date.now() + 1_000;
        for (const name of ['big', ...Array.from({ length: HEALTHY }, (_, i) => `healthy-${i}`)]) {
          await client.createSchedule({ name, executor: 'results', payload: { name }, trigger: { kind: 'once', at } });
        }
        await allEnded;
      } finally {
        await node.stop({ graceMs: 1_000 });
      }
      const names = new Map((await store.scheduleList()).map((s) => [s.id, s.name]));
      const tasks = new Map((await store.taskList()).map((t) => [names.get(t.scheduleId ?? ''), t]));
      const big = tasks.get('big');
      expect(big).toMatchObject({ state: 'failed', attempt: 1, fence: 1, result: null });
      expect(big?.error).toContain('the attempt succeeded but its result cannot be stored');
      expect(big?.error).toContain(`over the node's maxResultBytes of ${DEFAULT_MAX_RESULT_BYTES}`);
      for (let i = 0; i < HEALTHY; i++) {
        expect(tasks.get(`healthy-${i}`)).toMatchObject({
          state: 'completed',
          attempt: 1,
          fence: 1,
          failures: 0,
          result: { ok: `healthy-${i}` },
        });
      }
      expect([...starts.values()]).toEqual(Array.from({ length: HEALTHY + 1 }, () => 1));
      expect(ended).toHaveLength(HEALTHY + 1);
      expect(errors).toEqual([]);
    });
  });
}
