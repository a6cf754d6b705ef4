import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestEventBus as createEventBus } from '../../src/testing/index.js';
import { logNodeLife, redactSecrets, type Task } from '../../src/index.js';
import { memoryCluster, startTestNode, stopUnderFakeTime, useFakeTime } from '../node/harness.js';
import { captureLogger } from './capture-logger.js';

beforeEach(() => useFakeTime());
afterEach(() => vi.useRealTimers());

describe('the node’s logger', () => {
  it('logs join, each task event and each ctx.log line with the task’s fields, and the stop; never the payload', async () => {
    const { datastore, client } = memoryCluster();
    const logger = captureLogger();
    const { node } = await startTestNode(
      datastore,
      {
        fail: async (ctx) => {
          ctx.log(`attempt ${ctx.task.attempt}`);
          if (ctx.task.attempt === 1) throw new Error('boom at postgres://app:hunter2@db/x');
          return 'ok';
        },
      },
      { logger, id: 'n1' },
    );
    await client.createSchedule({
      name: 'logged',
      executor: 'fail',
      payload: { apiKey: 'top-secret-payload' },
      trigger: { kind: 'once', at: Date.now() + 10 },
      policies: { retry: { kind: 'fixed', maxAttempts: 2, delayMs: 500 } },
    });
    await vi.advanceTimersByTimeAsync(3_000);
    await stopUnderFakeTime(node);
    const [task] = await datastore.taskList();
    const records = logger.records;
    expect(records.every((r) => r.nodeId === 'n1')).toBe(true);
    expect(records[0]).toMatchObject({ event: 'nodeJoined', level: 'info' });
    expect(records.at(-1)).toMatchObject({ event: 'nodeLeft', level: 'info' });
    const fields = { taskId: task?.id, scheduleId: task?.scheduleId, executor: 'fail' };
    expect(records.filter((r) => r.taskId !== undefined).map((r) => [r.event, r.attempt, r.fence, r.line])).toEqual([
      ['taskCreated', 0, 0, undefined],
      ['taskStarted', 1, 1, undefined],
      ['taskLog', 1, 1, 'attempt 1'],
      ['taskRetried', 1, 1, undefined],
      ['taskStarted', 2, 2, undefined],
      ['taskLog', 2, 2, 'attempt 2'],
      ['taskCompleted', 2, 2, undefined],
    ]);
    for (const r of records.filter((x) => x.taskId !== undefined)) expect(r).toMatchObject(fields);
    const retried = records.find((r) => r.event === 'taskRetried');
    expect(retried).toMatchObject({
      level: 'warn',
      error: expect.stringContaining('postgres://app:***@db/x') as unknown,
    });
    expect(JSON.stringify(records)).not.toContain('hunter2');
    expect(JSON.stringify(records)).not.toContain('top-secret-payload');
  });

  it('without task events, logs lost leases, repairs, clock warnings and errors only', () => {
    const events = createEventBus();
    const logger = captureLogger();
    const task = {
      id: 't1',
      scheduleId: 's1',
      attempt: 2,
      fence: 5,
      executor: 'x',
      fireAt: 0,
      dueAt: 0,
      state: 'pending',
      reason: null,
    } as unknown as Task;
    const stop = logNodeLife(events, {
      logger,
      nodeId: 'n1',
      taskEvents: false,
      runningTask: (id) => (id === 't1' ? task : undefined),
    });
    events.emit('taskStarted', task);
    events.emit('taskLog', 't1', 'a line');
    events.emit('leaseLost', 't1', 5);
    events.emit('repairFinished', 'n1', [task]);
    events.emit('clockOffset', 1_500);
    events.emit('clockOffset', 1_600);
    events.emit('clockOffset', 20);
    events.emit('generalError', new Error('fetch failed: Authorization: Bearer abc.def'), {
      nodeId: 'n1',
      source: 'executor',
      taskId: 't1',
    });
    stop();
    events.emit('nodeLeft', 'n1');
    expect(logger.records.map((r) => [r.level, r.event])).toEqual([
      ['warn', 'leaseLost'],
      ['warn', 'taskRepaired'],
      ['warn', 'clockOffset'],
      ['info', 'clockOffset'],
      ['error', 'generalError'],
    ]);
    expect(logger.records[0]).toMatchObject({ taskId: 't1', scheduleId: 's1', attempt: 2, fence: 5, executor: 'x' });
    expect(logger.records[4]).toMatchObject({
      taskId: 't1',
      source: 'executor',
      error: 'fetch failed: Authorization: ***',
    });
  });
});

describe('redactSecrets', () => {
  it('hides URL passwords, secret query values and Authorization headers, keeping the rest', () => {
    expect(redactSecrets('connect to mysql://root:pw@h:3306/db?token=abc failed')).toBe(
      'connect to mysql://root:***@h:3306/db?token=*** failed',
    );
    expect(redactSecrets('{"authorization":"Basic dXNlcjpwdw==","accept":"*/*"}')).toBe(
      '{"authorization":"***","accept":"*/*"}',
    );
    expect(redactSecrets('Proxy-Authorization: Bearer x')).toBe('Proxy-Authorization: ***');
    expect(redactSecrets('no secrets here')).toBe('no secrets here');
  });
});
