import { afterEach, describe, expect, it, vi } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { resolveRetention } from '../../src/node/retention.js';
import { memoryCluster, startTestNode, stopUnderFakeTime, useFakeTime } from './harness.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('retention run by the node', () => {
  it('deletes finished tasks once they are older than historyMs, and long-gone node records, keeping the rest', async () => {
    useFakeTime();
    const { datastore, client } = memoryCluster();
    await datastore.nodeRegister({ id: 'gone', host: 'h', pid: 1, executors: [], clockOffsetMs: 0 });
    await datastore.nodeStop({ id: 'gone' });
    const schedule = await client.createSchedule({
      name: 'every-second',
      executor: 'noop',
      trigger: { kind: 'interval', everyMs: 1_000 },
    });
    const { node, events, errors } = await startTestNode(
      datastore,
      { noop: async () => undefined },
      { retention: { historyMs: 60_000, nodesMs: 60_000, everyMs: 10_000 } },
    );
    const pruned: [number, number][] = [];
    events.on('historyPruned', (tasks, nodes) => void pruned.push([tasks, nodes]));

    await vi.advanceTimersByTimeAsync(50_000);
    const early = (await datastore.taskList({ scheduleId: schedule.id, limit: 10_000 })).filter(
      (t) => t.state === 'completed',
    );
    expect(early.length).toBeGreaterThan(40);
    expect(pruned).toEqual([]);

    await vi.advanceTimersByTimeAsync(60_000);
    const now = Date.now();
    const left = await datastore.taskList({ scheduleId: schedule.id, limit: 10_000 });
    // Every finished task left ended within the last 60 s (plus one pass interval); the older ones are gone with their events.
    for (const t of left.filter((x) => x.state === 'completed'))
      expect(t.endedAt ?? 0).toBeGreaterThan(now - 60_000 - 10_000);
    expect(left.length).toBeLessThan(early.length + 60);
    const gone = early.filter((t) => !left.some((x) => x.id === t.id));
    expect(gone.length).toBeGreaterThan(0);
    for (const t of gone.slice(0, 5)) expect(await datastore.taskEvents(t.id)).toEqual([]);
    expect(pruned.reduce((a, [tasks]) => a + tasks, 0)).toBe(gone.length);
    expect(pruned.reduce((a, [, nodes]) => a + nodes, 0)).toBe(1);
    expect((await datastore.nodeList()).map((n) => n.id)).not.toContain('gone');
    // The schedule goes on firing; pruning touched no pending or running task.
    expect(left.some((t) => t.state === 'pending' || t.state === 'running')).toBe(true);
    await stopUnderFakeTime(node);
    expect(errors).toEqual([]);
  });

  it('keeps everything when retention is off', async () => {
    useFakeTime();
    const { datastore, client } = memoryCluster();
    const schedule = await client.createSchedule({
      name: 'keep',
      executor: 'noop',
      trigger: { kind: 'interval', everyMs: 1_000 },
    });
    const { node } = await startTestNode(
      datastore,
      { noop: async () => undefined },
      { retention: { historyMs: null, nodesMs: null, everyMs: 1_000 } },
    );
    await vi.advanceTimersByTimeAsync(20_000);
    const count = (await datastore.taskList({ scheduleId: schedule.id, limit: 10_000 })).length;
    await vi.advanceTimersByTimeAsync(20_000);
    expect((await datastore.taskList({ scheduleId: schedule.id, limit: 10_000 })).length).toBeGreaterThan(count);
    await stopUnderFakeTime(node);
  });

  it('fails a pending task whose executor no node has offered for unresolvedAfterMs, with the reason and a taskFailed event', async () => {
    useFakeTime();
    const { datastore, client } = memoryCluster();
    const start = Date.now();
    const schedule = await client.createSchedule({
      name: 'nobody-runs-it',
      executor: 'record',
      trigger: { kind: 'once', at: start },
    });
    const { node, events, errors } = await startTestNode(
      datastore,
      { noop: async () => undefined },
      { retention: { unresolvedAfterMs: 60_000, everyMs: 10_000 } },
    );
    const failed: [string, string][] = [];
    events.on('taskFailed', (task, error) => void failed.push([task.scheduleId ?? '', error]));

    await vi.advanceTimersByTimeAsync(55_000);
    const [waiting] = await datastore.taskList({ scheduleId: schedule.id });
    expect(waiting?.state).toBe('pending');
    expect(failed).toEqual([]);

    await vi.advanceTimersByTimeAsync(20_000);
    const [settled] = await datastore.taskList({ scheduleId: schedule.id });
    expect(settled).toMatchObject({
      state: 'failed',
      reason: 'unresolved: no node offers executor record',
      attempt: 0,
    });
    expect(settled?.endedAt).toBeGreaterThanOrEqual(start + 60_000);
    expect(failed).toEqual([[schedule.id, 'unresolved: no node offers executor record']]);
    await stopUnderFakeTime(node);
    expect(errors).toEqual([]);
  });

  it('refuses bad retention options with a ValidationError naming the field', () => {
    expect(() => resolveRetention({ unresolvedAfterMs: 8 * 86_400_000 })).toThrow(
      expect.objectContaining({ field: 'retention.unresolvedAfterMs' }),
    );
    expect(() => resolveRetention({ unresolvedAfterMs: 10 })).toThrow(
      expect.objectContaining({ field: 'retention.unresolvedAfterMs' }),
    );
    expect(resolveRetention({ nodesMs: 3_600_000 })).toMatchObject({ unresolvedAfterMs: 3_600_000 });
    expect(() => resolveRetention({ historyMs: 5 })).toThrow(expect.objectContaining({ field: 'retention.historyMs' }));
    expect(() => resolveRetention({ everyMs: 0.5 })).toThrow(ValidationError);
    expect(resolveRetention({ nodesMs: null })).toMatchObject({
      historyMs: 30 * 86_400_000,
      nodesMs: null,
      unresolvedAfterMs: 6 * 3_600_000,
      everyMs: 600_000,
    });
  });
});
