import { describe, expect, it } from 'vitest';
import { MemoryDatastore, ValidationError, type Clock } from '@rookery/core';
import { makeNewTask, makeSchedule, schedulePeelOne } from '@rookery/core/testing';
import { createEventBus } from '@rookery/messaging';
import { createBacklogReader, Registry, timedDatastore } from '../src/index.js';
import { parsePrometheusText } from './helpers/prometheus-text.js';

/** A clock a test moves by hand. */
function handClock(): Clock & { advance(ms: number): void } {
  let at = 0;
  return { now: () => at, monotonic: () => at, advance: (ms) => void (at += ms) };
}

describe('timedDatastore', () => {
  it('observes each call by operation and outcome, passing results and errors through unchanged', async () => {
    const registry = new Registry();
    const clock = handClock();
    const store = timedDatastore(new MemoryDatastore(), registry, clock);
    expect(typeof (await store.clockNow())).toBe('number');
    await expect(store.taskList({ limit: -1 })).rejects.toThrow(ValidationError);
    const { samples } = parsePrometheusText(await registry.metrics());
    const counts = Object.fromEntries(
      samples
        .filter((v) => v.name === 'rookery_db_operation_seconds_count')
        .map((v) => [`${v.labels['operation']}/${v.labels['outcome']}`, v.value]),
    );
    expect(counts).toEqual({ 'clockNow/ok': 1, 'taskList/error': 1 });
  });
});

/** Stores pending tasks of a new schedule falling due at `dueAts`. */
async function pendingTasks(datastore: MemoryDatastore, name: string, dueAts: number[]): Promise<void> {
  const now = await datastore.clockNow();
  const schedule = makeSchedule({ name, executor: 'x', nextFireAt: now });
  await datastore.scheduleCreate(schedule);
  const [claimed] = await datastore.scheduleClaimDue({ owner: 'seed', limit: 1, lookaheadMs: 0, leaseMs: 60_000 });
  const tasks = dueAts.map((at) => makeNewTask({ fireAt: at, dueAt: at }));
  const peeled = await schedulePeelOne(datastore, {
    scheduleId: schedule.id,
    owner: 'seed',
    fence: claimed?.fence ?? -1,
    tasks,
    nextFireAt: null,
    gateTaskId: null,
    nodeId: 'seed',
  });
  expect(peeled.ok).toBe(true);
}

describe('createBacklogReader', () => {
  it('counts pending tasks already due, reading the database at most once per cacheMs', async () => {
    const datastore = new MemoryDatastore();
    let reads = 0;
    const counted = new Proxy(datastore, {
      get(target, prop, receiver) {
        if (prop === 'taskList') reads += 1;
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const clock = handClock();
    const now = await datastore.clockNow();
    await pendingTasks(datastore, 'a', [now - 3_000, now - 2_000, now, now + 60_000]);
    const read = createBacklogReader({
      datastore: counted,
      dbNow: () => now,
      events: createEventBus(),
      nodeId: 'n',
      cacheMs: 15_000,
      clock,
    });
    expect(await read()).toBe(3);
    await pendingTasks(datastore, 'b', [now - 1_000]);
    clock.advance(14_999);
    expect(await read()).toBe(3);
    expect(reads).toBe(1);
    clock.advance(1);
    expect(await read()).toBe(4);
    expect(reads).toBe(2);
  });

  it('reports a failed read as generalError (source metrics) and keeps the last value', async () => {
    const events = createEventBus();
    const sources: string[] = [];
    events.on('generalError', (_e, context) => sources.push(context.source));
    let fail = false;
    const datastore = new MemoryDatastore();
    const flaky = new Proxy(datastore, {
      get(target, prop, receiver) {
        if (prop === 'taskList' && fail) return () => Promise.reject(new Error('connection lost'));
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const clock = handClock();
    const read = createBacklogReader({
      datastore: flaky,
      dbNow: () => Date.now(),
      events,
      nodeId: 'n',
      cacheMs: 10,
      clock,
    });
    expect(await read()).toBe(0);
    fail = true;
    clock.advance(10);
    expect(await read()).toBe(0);
    expect(sources).toEqual(['metrics']);
  });
});
