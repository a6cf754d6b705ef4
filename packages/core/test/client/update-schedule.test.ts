import { afterEach, describe, expect, it, vi } from 'vitest';
import { NotFoundError, UnknownExecutorError, ValidationError } from '../../src/index.js';
import { memoryCluster, startTestNode, stopUnderFakeTime, useFakeTime } from '../node/harness.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('RookeryClient.updateSchedule', () => {
  it('changes trigger and payload from now on: no fire time of the old definition runs after the update', async () => {
    useFakeTime();
    const { datastore, client } = memoryCluster();
    const runs: { fireAt: number; payload: unknown }[] = [];
    const s = await client.createSchedule({
      name: 'tick',
      executor: 'record',
      payload: { v: 1 },
      trigger: { kind: 'interval', everyMs: 1_000 },
    });
    const { node, errors } = await startTestNode(datastore, {
      record: async (ctx) => void runs.push({ fireAt: ctx.task.fireAt, payload: ctx.payload }),
    });
    await vi.advanceTimersByTimeAsync(5_000);
    const updatedAt = Date.now();
    const updated = await client.updateSchedule('tick', {
      payload: { v: 2 },
      trigger: { kind: 'interval', everyMs: 3_000 },
    });
    expect(updated).toMatchObject({ id: s.id, payload: { v: 2 }, trigger: { kind: 'interval', everyMs: 3_000 } });
    expect(updated.nextFireAt).toBeGreaterThan(updatedAt);
    await vi.advanceTimersByTimeAsync(12_000);
    const after = runs.filter((r) => r.fireAt > updatedAt);
    expect(after.length).toBeGreaterThanOrEqual(3);
    expect(after.every((r) => (r.payload as { v: number }).v === 2)).toBe(true);
    for (let i = 1; i < after.length; i += 1) expect((after[i]?.fireAt ?? 0) - (after[i - 1]?.fireAt ?? 0)).toBe(3_000);
    expect(runs.filter((r) => r.fireAt <= updatedAt).every((r) => (r.payload as { v: number }).v === 1)).toBe(true);
    await stopUnderFakeTime(node);
    expect(errors).toEqual([]);
  });

  it('validates the result like a new schedule and writes nothing when it is bad', async () => {
    const { datastore, client } = memoryCluster();
    await client.createSchedule({
      name: 'job',
      executor: 'noop',
      trigger: { kind: 'cron', expr: '0 9 * * *', tz: 'Europe/Berlin' },
    });
    const before = await client.getSchedule('job');
    await expect(
      client.updateSchedule('job', { trigger: { kind: 'cron', expr: '0 9 * * *', tz: 'Mars/Olympus' } }),
    ).rejects.toMatchObject({ field: 'trigger.tz' });
    await expect(client.updateSchedule('job', { policies: { misfire: 'sometimes' } })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(client.updateSchedule('job', { executor: 'nobody-has-it' })).rejects.toBeInstanceOf(
      UnknownExecutorError,
    );
    await expect(client.updateSchedule('nope', { payload: 1 })).rejects.toBeInstanceOf(NotFoundError);
    expect(await datastore.scheduleGet(before.id)).toEqual(before);
    // Policies merge: a retry given replaces that part only.
    const merged = await client.updateSchedule('job', {
      policies: { retry: { kind: 'fixed', maxAttempts: 3, delayMs: 500 } },
    });
    expect(merged.policies).toMatchObject({
      ...before.policies,
      retry: { ...before.policies.retry, kind: 'fixed', maxAttempts: 3, delayMs: 500 },
    });
    // A retired schedule cannot change.
    await client.retireSchedule('job');
    await expect(client.updateSchedule('job', { payload: 2 })).rejects.toMatchObject({ field: 'state' });
  });
});
