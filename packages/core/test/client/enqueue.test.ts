import { describe, expect, it } from 'vitest';
import { createTestEventBus as createEventBus } from '../../src/testing/index.js';
import { MemoryDatastore, RookeryClient, type Task, type WakeSignals } from '../../src/index.js';

/** Wake signals that record what the client announces. */
function recordingSignals(): WakeSignals & { announced: number[] } {
  const announced: number[] = [];
  return { announced, announce: (dueAt) => void announced.push(dueAt), listen: () => () => Promise.resolve() };
}

describe('RookeryClient.enqueue and enqueueMany', () => {
  it('wake the nodes for the earliest job due within a minute, not for one due later or a key already held', async () => {
    const datastore = new MemoryDatastore();
    const wakeSignals = recordingSignals();
    const events = createEventBus();
    const created: Task[] = [];
    events.on('taskCreated', (t) => void created.push(t));
    const client = new RookeryClient({ datastore, events, wakeSignals, builtInExecutors: ['noop'] });
    const now = await datastore.clockNow();

    await client.enqueue({ executor: 'noop', runAt: now + 3_600_000 });
    expect(wakeSignals.announced).toEqual([]);

    const [soon] = await client.enqueueMany([
      { executor: 'noop', runAt: now + 30_000, key: 'k' },
      { executor: 'noop', runAt: now + 20_000 },
    ]);
    expect(wakeSignals.announced).toEqual([now + 20_000]);

    const { task } = await client.enqueue({ executor: 'noop', key: 'k' });
    expect(task.id).toBe(soon?.task.id);
    expect(wakeSignals.announced).toHaveLength(1);
    expect(created).toHaveLength(3);

    await client.enqueue({ executor: 'noop' });
    expect(wakeSignals.announced).toHaveLength(2);
    expect(wakeSignals.announced[1]).toBeGreaterThanOrEqual(now);
    expect(wakeSignals.announced[1]).toBeLessThan(now + 30_000);
  });
});
