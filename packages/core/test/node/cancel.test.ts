import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { waitForEvent as waitFor } from '../../src/testing/index.js';
import { RookeryClient, type ExecutionContext } from '../../src/index.js';
import { memoryCluster, startTestNode, stopUnderFakeTime, useFakeTime } from './harness.js';

beforeEach(() => useFakeTime());
afterEach(() => vi.useRealTimers());

/** An executor that runs until its signal aborts, recording when and why. */
function untilAborted(aborts: { at: number; reason: unknown }[]) {
  return (ctx: ExecutionContext) =>
    new Promise<never>((_resolve, reject) => {
      ctx.signal.addEventListener('abort', () => {
        aborts.push({ at: Date.now(), reason: ctx.signal.reason });
        reject(ctx.signal.reason);
      });
    });
}

describe('cancelling a running task', () => {
  it('reaches the node on its poll, long before the next renewal, and commits cancelled', async () => {
    const { datastore, client } = memoryCluster();
    const aborts: { at: number; reason: unknown }[] = [];
    // lease 30 s: renewals every 10 s, polls every 100 ms
    const { node, events } = await startTestNode(datastore, { hold: untilAborted(aborts) }, { leaseMs: 30_000 });
    const cancelled = waitFor(events, 'taskCancelled', () => true, 60_000);
    await client.createSchedule({ name: 'x', executor: 'hold', trigger: { kind: 'once', at: Date.now() + 10 } });
    await vi.advanceTimersByTimeAsync(500);
    const [running] = await datastore.taskList({ states: ['running'] });
    expect(running).toBeDefined();
    const askedAt = Date.now();
    await client.cancelTask(running?.id ?? '', 'operator said so');
    await vi.advanceTimersByTimeAsync(300);
    expect(aborts).toHaveLength(1);
    expect(aborts[0]?.at).toBeLessThanOrEqual(askedAt + 200);
    expect(aborts[0]?.reason).toMatchObject({ code: 'CANCELLED', message: expect.stringMatching(/operator said so/) });
    const [task] = await cancelled;
    expect(task).toMatchObject({
      id: running?.id,
      state: 'cancelled',
      reason: 'cancelled on request: operator said so',
    });
    expect((await datastore.taskEvents(task.id)).at(-1)).toMatchObject({
      from: 'running',
      to: 'cancelled',
      nodeId: node.id,
    });
    await stopUnderFakeTime(node);
  });

  it('reaches the node at once when the client shares its event bus', async () => {
    const { datastore } = memoryCluster();
    const aborts: { at: number; reason: unknown }[] = [];
    // polls every 5 s: only the message can make the cancel quick
    const { node, events } = await startTestNode(
      datastore,
      { hold: untilAborted(aborts) },
      { leaseMs: 60_000, pollWaitsMs: [5_000] },
    );
    const client = new RookeryClient({ datastore, events });
    await client.createSchedule({ name: 'x', executor: 'hold', trigger: { kind: 'once', at: Date.now() + 10 } });
    await vi.advanceTimersByTimeAsync(5_500);
    const [running] = await datastore.taskList({ states: ['running'] });
    expect(running).toBeDefined();
    const askedAt = Date.now();
    await client.cancelTask(running?.id ?? '');
    await vi.advanceTimersByTimeAsync(10);
    expect(aborts.map((a) => a.at - askedAt)).toEqual([expect.any(Number)]);
    expect(aborts[0]?.at).toBeLessThanOrEqual(askedAt + 10);
    await vi.advanceTimersByTimeAsync(10);
    expect(await datastore.taskGet(running?.id ?? '')).toMatchObject({ state: 'cancelled' });
    await stopUnderFakeTime(node);
  });

  it('cancels a pending task at once and refuses an unknown one', async () => {
    const { datastore, client } = memoryCluster();
    const { node } = await startTestNode(datastore, {}); // peels, but offers no executor
    await client.createSchedule({ name: 'x', executor: 'noop', trigger: { kind: 'once', at: Date.now() + 1_000 } });
    await vi.advanceTimersByTimeAsync(500);
    const [pending] = await datastore.taskList();
    expect(await client.cancelTask(pending?.id ?? '', 'not needed')).toMatchObject({
      state: 'cancelled',
      reason: 'not needed',
    });
    await expect(client.cancelTask('0195a8f0-0000-7000-8000-000000000000')).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await stopUnderFakeTime(node);
  });
});

describe('the cancel check', () => {
  it('reads only the tasks whose execution still runs here, not one whose outcome waits for a claim to carry it', async () => {
    const { datastore } = memoryCluster();
    const checked: string[][] = [];
    const taskCancelRequests = datastore.taskCancelRequests.bind(datastore);
    datastore.taskCancelRequests = (p) => {
      checked.push(p.taskIds);
      return taskCancelRequests(p);
    };
    // Polls every 5 s and a claim pace of 1 s: an outcome waits up to 1 s for a claim to carry it.
    const { node, events, errors } = await startTestNode(
      datastore,
      { quick: () => new Promise<void>((resolve) => setTimeout(resolve, 50)), hold: untilAborted([]) },
      { pollWaitsMs: [5_000], claimPaceMs: 1_000 },
    );
    const client = new RookeryClient({ datastore, events });
    const [held, quick] = await client.enqueueMany([{ executor: 'hold' }, { executor: 'quick' }]);
    await vi.advanceTimersByTimeAsync(5_100);
    await vi.advanceTimersByTimeAsync(500);
    // The quick job's execution ended; its outcome is not committed yet.
    expect((await datastore.taskGet(quick?.task.id ?? ''))?.state).toBe('running');
    checked.length = 0;
    // A cancel request on the shared bus: the check reads the held job alone.
    await client.cancelTask(held?.task.id ?? '');
    await vi.advanceTimersByTimeAsync(10);
    expect(checked).toEqual([[held?.task.id]]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await datastore.taskGet(quick?.task.id ?? ''))?.state).toBe('completed');
    await stopUnderFakeTime(node, 100);
    expect(errors).toEqual([]);
  });
});

describe('the dead-task canceller (heartbeat timeout)', () => {
  it('aborts and fails, retryably, an attempt whose executor stopped heart-beating', async () => {
    const { datastore, client } = memoryCluster();
    const aborts: { at: number; reason: unknown }[] = [];
    let runs = 0;
    const beatThenHang = (ctx: ExecutionContext) => {
      runs += 1;
      if (runs > 1) return Promise.resolve({ second: true });
      const beats = setInterval(() => ctx.heartbeat(), 100);
      setTimeout(() => clearInterval(beats), 1_000); // alive for 1 s, then silent
      return untilAborted(aborts)(ctx);
    };
    const { node, events } = await startTestNode(
      datastore,
      { beat: beatThenHang },
      { leaseMs: 30_000, heartbeatTimeoutMs: 2_000 },
    );
    const retried = waitFor(events, 'taskRetried', () => true, 60_000);
    await client.createSchedule({
      name: 'x',
      executor: 'beat',
      trigger: { kind: 'once', at: Date.now() + 10 },
      policies: { retry: { kind: 'fixed', maxAttempts: 2, delayMs: 100 } },
    });
    const startedAt = Date.now();
    await vi.advanceTimersByTimeAsync(2_500);
    expect(aborts).toEqual([]); // last heartbeat ~1 s in: not silent for 2 s yet
    await vi.advanceTimersByTimeAsync(3_000);
    expect(aborts).toHaveLength(1);
    expect(aborts[0]?.reason).toMatchObject({ code: 'HEARTBEAT_TIMEOUT' });
    // silent from ~1 s; noticed within the keep duty's period after 2 s of silence
    expect((aborts[0]?.at ?? 0) - startedAt).toBeGreaterThan(2_900);
    expect((aborts[0]?.at ?? 0) - startedAt).toBeLessThan(4_500);
    const [task, error] = await retried;
    expect(error).toMatch(/no heartbeat for 2000 ms/);
    expect(task.failures).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await datastore.taskGet(task.id)).toMatchObject({
      state: 'completed',
      attempt: 2,
      result: { second: true },
    });
    await stopUnderFakeTime(node);
  });

  it('leaves alone an executor that never heart-beats', async () => {
    const { datastore, client } = memoryCluster();
    const quiet = () => new Promise<string>((resolve) => setTimeout(() => resolve('done'), 5_000));
    const { node } = await startTestNode(datastore, { quiet }, { leaseMs: 30_000, heartbeatTimeoutMs: 500 });
    await client.createSchedule({ name: 'x', executor: 'quiet', trigger: { kind: 'once', at: Date.now() + 10 } });
    await vi.advanceTimersByTimeAsync(6_000);
    expect((await datastore.taskList())[0]).toMatchObject({ state: 'completed', result: 'done', attempt: 1 });
    await stopUnderFakeTime(node);
  });
});
