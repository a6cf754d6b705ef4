import { describe, expect, it } from 'vitest';
import { MemoryDatastore, type Datastore } from '../../src/index.js';
import { FinishBatcher, MAX_FINISH_BATCH_BYTES } from '../../src/node/finish-batcher.js';

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
    const batcher = new FinishBatcher(store);
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
});
