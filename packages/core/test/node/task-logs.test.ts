import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Datastore } from '../../src/index.js';
import { LOG_BATCH_LINES, LOG_FLUSH_MS, MAX_LOG_LINES_PER_ATTEMPT } from '../../src/node/task-log-buffer.js';
import { memoryCluster, startTestNode, stopUnderFakeTime, useFakeTime } from './harness.js';

beforeEach(() => useFakeTime());
afterEach(() => vi.useRealTimers());

/** A datastore whose log appends fail (a log table the node cannot write). */
function failingLogs(datastore: Datastore): Datastore {
  return new Proxy(datastore, {
    get(target, prop, receiver) {
      if (prop === 'taskLogAppend') return () => Promise.reject(new Error('log table unavailable'));
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  }) as Datastore;
}

describe('task logs stored by the node', () => {
  it('stores an attempt’s lines in order before its outcome is committed, each attempt’s in turn', async () => {
    const { datastore, client } = memoryCluster();
    const { node, errors } = await startTestNode(datastore, {
      fail: async (ctx) => {
        ctx.log(`attempt ${ctx.task.attempt} starts`);
        ctx.log('working');
        if (ctx.task.attempt === 1) throw new Error('boom');
        return 'ok';
      },
    });
    await client.createSchedule({
      name: 'logs',
      executor: 'fail',
      trigger: { kind: 'once', at: Date.now() + 10 },
      policies: { retry: { kind: 'fixed', maxAttempts: 2, delayMs: 500 } },
    });
    await vi.advanceTimersByTimeAsync(3_000);
    await stopUnderFakeTime(node);
    const [task] = await datastore.taskList();
    expect(task?.state).toBe('completed');
    const lines = await datastore.taskLogRead({ taskId: task?.id ?? '' });
    expect(lines.map((l) => l.line)).toEqual(['attempt 1 starts', 'working', 'attempt 2 starts', 'working']);
    expect(errors).toEqual([]);
  });

  it('flushes in batches while the attempt runs, and bounds what one attempt stores', async () => {
    const { datastore, client } = memoryCluster();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { node } = await startTestNode(datastore, {
      slow: async (ctx) => {
        ctx.log('first');
        await new Promise((resolve) => setTimeout(resolve, LOG_FLUSH_MS + 100));
        for (let i = 0; i < LOG_BATCH_LINES; i += 1) ctx.log(`batch ${i}`);
        await gate;
        for (let i = 0; i < MAX_LOG_LINES_PER_ATTEMPT + 50; i += 1) ctx.log(`more ${i}`);
      },
    });
    await client.createSchedule({ name: 'chatty', executor: 'slow', trigger: { kind: 'once', at: Date.now() + 10 } });
    await vi.advanceTimersByTimeAsync(LOG_FLUSH_MS + 500);
    const [running] = await datastore.taskList();
    const taskId = running?.id ?? '';
    expect(running?.state).toBe('running');
    // the lone first line went after the flush delay, the full batch at once
    expect((await datastore.taskLogRead({ taskId })).length).toBe(1 + LOG_BATCH_LINES);
    release();
    await vi.advanceTimersByTimeAsync(1_000);
    await stopUnderFakeTime(node);
    expect((await datastore.taskList())[0]?.state).toBe('completed');
    const lines = (await datastore.taskLogRead({ taskId, limit: 10_000 })).map((l) => l.line);
    expect(lines.length).toBe(MAX_LOG_LINES_PER_ATTEMPT + 1);
    const dropped = 1 + LOG_BATCH_LINES + MAX_LOG_LINES_PER_ATTEMPT + 50 - MAX_LOG_LINES_PER_ATTEMPT;
    expect(lines.at(-1)).toBe(
      `[rookery: ${dropped} more line(s) of this attempt not stored: at most ${MAX_LOG_LINES_PER_ATTEMPT} are]`,
    );
  });

  it('reports a log that cannot be stored as generalError, and the task still completes', async () => {
    const { datastore, client } = memoryCluster();
    const { node, errors } = await startTestNode(failingLogs(datastore), { noop: async (ctx) => ctx.log('lost') });
    await client.createSchedule({ name: 'unlogged', executor: 'noop', trigger: { kind: 'once', at: Date.now() + 10 } });
    await vi.advanceTimersByTimeAsync(2_000);
    await stopUnderFakeTime(node);
    expect((await datastore.taskList())[0]?.state).toBe('completed');
    expect(errors.map((e) => e.message)).toEqual(['log table unavailable']);
  });
});
