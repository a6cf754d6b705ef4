import { vi } from 'vitest';
import {
  createTestEventBus as createEventBus,
  TestWorkerPool as WorkerPool,
  testExecutors as functionExecutors,
  type TestExecutorModule as TaskFunctionModule,
} from '../../src/testing/index.js';
import {
  MemoryDatastore,
  RookeryClient,
  RookeryNode,
  type Datastore,
  type NodeOptions,
  type WakeKind,
  type WakeSignals,
} from '../../src/index.js';

/** Fake timers for Date, performance and timers: the node's clock is injected through them. */
export function useFakeTime(start = Date.parse('2026-03-01T00:00:00Z')): void {
  vi.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'],
    now: start,
  });
}

/** A started node on `datastore` running `functions`, with every event it emits recorded. */
export async function startTestNode(
  datastore: Datastore,
  functions: TaskFunctionModule,
  options: Partial<NodeOptions> & { concurrency?: number } = {},
) {
  const events = createEventBus();
  const errors: Error[] = [];
  events.on('generalError', (e) => errors.push(e));
  const node = new RookeryNode({
    datastore,
    events,
    executors: functionExecutors(functions),
    pool: new WorkerPool({ concurrency: options.concurrency ?? 10 }),
    leaseMs: 3_000,
    pollWaitsMs: [100],
    heartbeatEveryMs: 1_000,
    ...options,
  });
  await node.start();
  return { node, events, errors };
}

/** A memory store and a client on it. */
export function memoryCluster() {
  const datastore = new MemoryDatastore();
  const client = new RookeryClient({ datastore, builtInExecutors: ['noop', 'fail', 'slow', 'record'] });
  return { datastore, client };
}

/** Stops a node while fake time moves on, so that its grace period can pass. */
export async function stopUnderFakeTime(node: RookeryNode, graceMs = 1_000): Promise<void> {
  const stopping = node.stop({ graceMs });
  await vi.advanceTimersByTimeAsync(graceMs + 1_000);
  await stopping;
}

/** A datastore that rejects every call with `message` while `cut()` says so (a node cut off from the database). */
export function partition(datastore: Datastore, cut: () => boolean, message = 'network unreachable'): Datastore {
  return new Proxy(datastore, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        cut() ? Promise.reject(new Error(message)) : (value as (...a: unknown[]) => unknown).apply(target, args);
    },
  }) as Datastore;
}

/**
 * Wake signals between the processes of one test, in memory: `signals()` gives one process's
 * end; an announcement reaches every other end's listener, not its own.
 */
export function memoryWakeBus(): { signals: () => WakeSignals } {
  const listeners = new Set<{ handler: (at: number, kind?: WakeKind) => void }>();
  return {
    signals: (): WakeSignals => {
      const own = { handler: (_at: number, _kind?: WakeKind): void => undefined };
      return {
        announce: (at, kind) => {
          for (const l of listeners) if (l !== own) l.handler(at, kind);
        },
        listen: (handler) => {
          own.handler = handler;
          listeners.add(own);
          return async () => {
            listeners.delete(own);
          };
        },
      };
    },
  };
}
