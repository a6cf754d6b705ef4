import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { waitForEvent as waitFor } from '../../src/testing/index.js';
import type { ExecutionContext } from '../../src/index.js';
import { memoryCluster, startTestNode, stopUnderFakeTime, useFakeTime } from './harness.js';

beforeEach(() => useFakeTime());
afterEach(() => vi.useRealTimers());

/** An executor that runs until its signal aborts. */
const untilAborted = (ctx: ExecutionContext) =>
  new Promise<never>((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));

describe('a job (a task enqueued with no schedule) on a node', () => {
  it('is retried by its retry policy, with the executor told it has no schedule', async () => {
    const { datastore, client } = memoryCluster();
    const seen: (string | null)[] = [];
    let runs = 0;
    const { node, events } = await startTestNode(datastore, {
      flaky: async (ctx: ExecutionContext) => {
        seen.push(ctx.task.scheduleId);
        runs += 1;
        if (runs < 3) throw new Error(`flake ${runs}`);
        return { runs };
      },
    });
    const completed = waitFor(events, 'taskCompleted', () => true, 60_000);
    const { task } = await client.enqueue({
      executor: 'flaky',
      policies: { retry: { kind: 'fixed', maxAttempts: 3, delayMs: 1_000 } },
    });
    await vi.advanceTimersByTimeAsync(5_000);
    const [done] = await completed;
    expect(done).toMatchObject({
      id: task.id,
      scheduleId: null,
      state: 'completed',
      attempt: 3,
      failures: 2,
      result: { runs: 3 },
    });
    expect(seen).toEqual([null, null, null]);
    await stopUnderFakeTime(node);
  });

  it('is aborted by its timeout and fails once its attempts are spent', async () => {
    const { datastore, client } = memoryCluster();
    const { node, events } = await startTestNode(datastore, { hang: untilAborted });
    const failed = waitFor(events, 'taskFailed', () => true, 60_000);
    const { task } = await client.enqueue({ executor: 'hang', policies: { timeoutMs: 1_000 } });
    await vi.advanceTimersByTimeAsync(3_000);
    const [ended] = await failed;
    expect(ended).toMatchObject({ id: task.id, state: 'failed', attempt: 1 });
    expect(ended.error).toMatch(/timed out|timeout/i);
    await stopUnderFakeTime(node);
  });

  it('can be cancelled while it runs, which frees its key', async () => {
    const { datastore, client } = memoryCluster();
    const { node, events } = await startTestNode(datastore, { hang: untilAborted });
    const cancelled = waitFor(events, 'taskCancelled', () => true, 60_000);
    const { task } = await client.enqueue({ executor: 'hang', key: 'export:7' });
    await vi.advanceTimersByTimeAsync(500);
    expect(await datastore.taskGet(task.id)).toMatchObject({ state: 'running' });
    expect(await client.enqueue({ executor: 'hang', key: 'export:7' })).toMatchObject({
      created: false,
      task: { id: task.id },
    });
    await client.cancelTask(task.id, 'not needed');
    await vi.advanceTimersByTimeAsync(500);
    const [ended] = await cancelled;
    expect(ended).toMatchObject({ id: task.id, state: 'cancelled' });
    expect((await client.enqueue({ executor: 'hang', key: 'export:7' })).created).toBe(true);
    await stopUnderFakeTime(node);
  });
});
