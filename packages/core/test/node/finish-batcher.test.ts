import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryDatastore, type Datastore } from '../../src/index.js';
import { CARRY_SLACK_MS, FinishBatcher, MAX_FINISH_BATCH_BYTES } from '../../src/node/finish-batcher.js';
import { systemTimers } from '../../src/strategies/timers.js';

afterEach(() => vi.useRealTimers());

/** A store whose finish batches record their task ids; every commit is answered "lease lost". */
function countingStore() {
  const batches: string[][] = [];
  const store = new Proxy(new MemoryDatastore(), {
    get(target, prop, receiver) {
      if (prop === 'taskFinishMany') {
        return async (params: Parameters<Datastore['taskFinishMany']>[0]) => {
          batches.push(params.finishes.map((f) => f.taskId));
          return params.finishes.map(() => undefined);
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  }) as Datastore;
  return { store, batches };
}

const commit = (taskId: string) => ({
  taskId,
  owner: 'o',
  fence: 1,
  nodeId: 'n',
  outcome: { state: 'abandoned' as const, reason: null },
});

describe('FinishBatcher', () => {
  it('keeps a batch within MAX_FINISH_BATCH_BYTES of results, and commits a commit marked alone by itself', async () => {
    const { store, batches } = countingStore();
    const batcher = new FinishBatcher(store, systemTimers);
    const third = Math.floor(MAX_FINISH_BATCH_BYTES / 3);
    await Promise.all([
      batcher.finish(commit('a'), { resultBytes: third }),
      batcher.finish(commit('b'), { resultBytes: third }),
      batcher.finish(commit('retry'), { alone: true }),
      batcher.finish(commit('c'), { resultBytes: third }),
      batcher.finish(commit('d'), { resultBytes: third }),
      batcher.finish(commit('e')),
      batcher.finish(commit('huge'), { resultBytes: MAX_FINISH_BATCH_BYTES + 1 }),
    ]);
    expect(batches).toEqual([['a', 'b', 'c', 'e'], ['retry'], ['d'], ['huge']]);
  });

  describe('with a carrier (a node whose store commits and claims in one call)', () => {
    it('holds the commits for the carrier, who takes them as one batch and answers each', async () => {
      const { store, batches } = countingStore();
      let asked = 0;
      const batcher = new FinishBatcher(store, systemTimers, () => ((asked += 1), true));
      const a = batcher.finish(commit('a'));
      const b = batcher.finish(commit('b'));
      // asked once: the second commit joins the first, held
      expect(asked).toBe(1);
      const carried = batcher.take();
      expect(carried?.finishes.map((f) => f.taskId)).toEqual(['a', 'b']);
      expect(batcher.take()).toBeNull();
      const done = { id: 'a' } as unknown as Awaited<typeof a>;
      carried?.settle([done, undefined]);
      expect(await a).toBe(done);
      expect(await b).toBeUndefined();
      expect(batches).toEqual([]);
    });

    it('commits them alone when no claim takes them within the claim pace and CARRY_SLACK_MS, and at once on release()', async () => {
      vi.useFakeTimers();
      const { store, batches } = countingStore();
      const batcher = new FinishBatcher(store, systemTimers, () => true, 10);
      void batcher.finish(commit('a'));
      await vi.advanceTimersByTimeAsync(10 + CARRY_SLACK_MS - 1);
      expect(batches).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(batches).toEqual([['a']]);
      void batcher.finish(commit('b'));
      batcher.release();
      await vi.advanceTimersByTimeAsync(0);
      expect(batches).toEqual([['a'], ['b']]);
    });

    it('never holds a commit marked alone, and fails carried commits together when their call fails', async () => {
      const { store, batches } = countingStore();
      const batcher = new FinishBatcher(store, systemTimers, () => true);
      await batcher.finish(commit('retry'), { alone: true });
      expect(batches).toEqual([['retry']]);
      const a = batcher.finish(commit('a'));
      const b = batcher.finish(commit('b'));
      batcher.take()?.fail(new Error('connection lost'));
      await expect(a).rejects.toThrow('connection lost');
      await expect(b).rejects.toThrow('connection lost');
    });

    it('a carrier that declines has the commits go at once', async () => {
      const { store, batches } = countingStore();
      const batcher = new FinishBatcher(store, systemTimers, () => false);
      await batcher.finish(commit('a'));
      expect(batches).toEqual([['a']]);
      expect(batcher.take()).toBeNull();
    });
  });
});
