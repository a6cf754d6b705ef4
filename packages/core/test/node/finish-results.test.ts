import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TestExecutorModule as TaskFunctionModule } from '../../src/testing/index.js';
import {
  MemoryDatastore,
  RookeryClient,
  type Datastore,
  type ExecutionContext,
  type Json,
  type RandomStrategy,
} from '../../src/index.js';
import { startTestNode, stopUnderFakeTime, useFakeTime } from './harness.js';

beforeEach(() => useFakeTime());
afterEach(() => vi.useRealTimers());

const HEALTHY = 20;

/**
 * An executor object (its results are not checked by the function executor) whose task named
 * `bad` returns `badResult` and every other task `{ ok: <name> }`; it counts starts per task.
 */
function resultsExecutor(badResult: () => unknown) {
  const starts = new Map<string, number>();
  const module: TaskFunctionModule = {
    results: {
      start: async (ctx: ExecutionContext) => {
        starts.set(ctx.task.id, (starts.get(ctx.task.id) ?? 0) + 1);
        const name = (ctx.payload as { name: string }).name;
        return { kind: 'done', result: (name === 'bad' ? badResult() : { ok: name }) as Json };
      },
    },
  };
  return { module, starts };
}

/**
 * A store whose finish batches take 5 ms (alone, or carried by a claim); it records each
 * (when, how many commits), and throws for each batch `refuse` picks.
 */
function recordingStore(datastore: MemoryDatastore, refuse: (taskIds: string[]) => boolean = () => false) {
  const batches: { at: number; size: number; refused: boolean }[] = [];
  const batch = async (finishes: { taskId: string }[]): Promise<void> => {
    const refused = refuse(finishes.map((f) => f.taskId));
    batches.push({ at: Date.now(), size: finishes.length, refused });
    // a round trip to a database takes time: commits asked for meanwhile queue for the next batch
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (refused) throw new Error('Got a packet bigger than max_allowed_packet bytes');
  };
  const store = new Proxy(datastore, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (prop === 'taskFinishMany')
        return async (params: Parameters<Datastore['taskFinishMany']>[0]) => {
          await batch(params.finishes);
          return target.taskFinishMany(params);
        };
      if (prop === 'taskFinishAndClaim')
        return async (params: Parameters<NonNullable<Datastore['taskFinishAndClaim']>>[0]) => {
          await batch(params.finishes);
          return target.taskFinishAndClaim(params);
        };
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Datastore;
  return { store, batches };
}

/** Schedules `bad` and HEALTHY healthy once-tasks, all due at the same instant; returns the client. */
async function scheduleBatch(datastore: MemoryDatastore, at: number): Promise<RookeryClient> {
  const client = new RookeryClient({ datastore, builtInExecutors: ['results'] });
  for (const name of ['bad', ...Array.from({ length: HEALTHY }, (_, i) => `healthy-${i}`)]) {
    await client.createSchedule({ name, executor: 'results', payload: { name }, trigger: { kind: 'once', at } });
  }
  return client;
}

async function tasksByName(datastore: MemoryDatastore) {
  const schedules = new Map((await datastore.scheduleList()).map((s) => [s.id, s.name]));
  return new Map((await datastore.taskList()).map((t) => [schedules.get(t.scheduleId ?? '') ?? '?', t]));
}

describe('a result the store cannot hold', () => {
  const cases: [string, () => unknown, string][] = [
    ['a BigInt', () => ({ total: 10n }), 'result.total: bigint is not JSON'],
    [
      'a circular object',
      () => {
        const loop: Record<string, unknown> = { a: 1 };
        loop['self'] = loop;
        return loop;
      },
      'result.self: circular reference',
    ],
    ['an oversized result', () => ({ blob: 'x'.repeat(2_048) }), "over the node's maxResultBytes of 1024"],
  ];
  for (const [what, badResult, error] of cases) {
    it(`${what} fails only its own task, for good and saying why, while the ${HEALTHY} tasks batched with it complete once`, async () => {
      const datastore = new MemoryDatastore();
      const { store, batches } = recordingStore(datastore);
      const { module, starts } = resultsExecutor(badResult);
      await scheduleBatch(datastore, Date.now() + 500);
      const { node, errors } = await startTestNode(store, module, { concurrency: 30, maxResultBytes: 1_024 });
      await vi.advanceTimersByTimeAsync(15_000);
      const tasks = await tasksByName(datastore);
      expect(tasks.get('bad')).toMatchObject({ state: 'failed', attempt: 1, result: null });
      expect(tasks.get('bad')?.error).toContain('the attempt succeeded but its result cannot be stored');
      expect(tasks.get('bad')?.error).toContain(error);
      for (let i = 0; i < HEALTHY; i++)
        expect(tasks.get(`healthy-${i}`)).toMatchObject({
          state: 'completed',
          attempt: 1,
          result: { ok: `healthy-${i}` },
        });
      expect([...starts.values()]).toEqual(Array.from({ length: HEALTHY + 1 }, () => 1));
      // they were committed together, in one batch
      expect(batches).toEqual([{ at: expect.any(Number), size: HEALTHY + 1, refused: false }]);
      expect(errors).toEqual([]);
      await stopUnderFakeTime(node);
    });
  }

  it('maxResultBytes is checked when the node is made, naming the option', async () => {
    await expect(startTestNode(new MemoryDatastore(), {}, { maxResultBytes: 0 })).rejects.toThrow(
      'maxResultBytes: must be a whole number from 1 to 8388608',
    );
  });
});

describe('a finish batch the store refuses because of one commit', () => {
  it('commits the other commits in it once: each is tried again alone, and only the refused one is held', async () => {
    const datastore = new MemoryDatastore();
    const { module, starts } = resultsExecutor(() => ({ fine: true }));
    await scheduleBatch(datastore, Date.now() + 500);
    // the task of schedule `bad` is refused by the store whatever batch it is in
    let badTaskId = 'not peeled yet';
    const { store, batches } = recordingStore(datastore, (ids) => ids.includes(badTaskId));
    const { node, errors } = await startTestNode(store, module, { concurrency: 30, leaseMs: 10_000 });
    await vi.advanceTimersByTimeAsync(100);
    const badSchedule = (await datastore.scheduleList()).find((s) => s.name === 'bad');
    badTaskId = (await datastore.taskList()).find((t) => t.scheduleId === badSchedule?.id)?.id ?? 'no task';
    await vi.advanceTimersByTimeAsync(3_000);
    const tasks = await tasksByName(datastore);
    for (let i = 0; i < HEALTHY; i++)
      expect(tasks.get(`healthy-${i}`)).toMatchObject({ state: 'completed', attempt: 1, fence: 1 });
    expect(tasks.get('bad')?.state).toBe('running');
    // the first batch held everyone and failed; then each commit went alone
    expect(batches[0]).toMatchObject({ size: HEALTHY + 1, refused: true });
    expect(batches.slice(1).every((b) => b.size === 1)).toBe(true);
    expect(batches.filter((b) => !b.refused)).toHaveLength(HEALTHY);
    expect([...starts.values()]).toEqual(Array.from({ length: HEALTHY + 1 }, () => 1));
    expect(errors.every((e) => e.message.includes('max_allowed_packet'))).toBe(true);
    await stopUnderFakeTime(node);
  });
});

describe('the backoff between tries of a commit', () => {
  /** When the commit of a lone task is tried again after its first batch failed, with `random` as the node's randomness. */
  async function retryDelay(random: RandomStrategy): Promise<number> {
    const datastore = new MemoryDatastore();
    // the first batch fails, as on a dropped connection
    const { store, batches } = recordingStore(datastore, () => batches.length === 0);
    const { module } = resultsExecutor(() => null);
    const client = new RookeryClient({ datastore, builtInExecutors: ['results'] });
    await client.createSchedule({
      name: 'one',
      executor: 'results',
      payload: { name: 'one' },
      trigger: { kind: 'once', at: Date.now() + 500 },
    });
    const { node } = await startTestNode(store, module, { random, leaseMs: 10_000 });
    await vi.advanceTimersByTimeAsync(3_000);
    await stopUnderFakeTime(node);
    expect(batches.map((b) => b.refused)).toEqual([true, false]);
    return (batches[1]?.at ?? 0) - (batches[0]?.at ?? 0);
  }

  it("is jittered through the node's RandomStrategy: commits that failed together do not come back together", async () => {
    const low = await retryDelay(() => 0);
    const high = await retryDelay(() => 0.999);
    // the failed batch's 5 ms round trip, then a wait drawn from the upper half of 200 ms
    expect(low).toBe(5 + 100);
    expect(high).toBe(5 + 200);
  });
});
