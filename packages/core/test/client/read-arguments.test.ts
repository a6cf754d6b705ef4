import { describe, expect, it } from 'vitest';
import { MemoryDatastore, RookeryClient, ValidationError } from '../../src/index.js';

/** A client call with an argument its types forbid, as plain JavaScript can make it. */
type BadCall = [label: string, field: string, call: (client: RookeryClient) => Promise<unknown>];

const BAD_CALLS: BadCall[] = [
  ['getSchedule(42)', 'idOrName', (c) => c.getSchedule(42 as never)],
  ['pauseSchedule(null)', 'idOrName', (c) => c.pauseSchedule(null as never)],
  ['updateSchedule({})', 'idOrName', (c) => c.updateSchedule({} as never, {})],
  ['deleteSchedule(7)', 'idOrName', (c) => c.deleteSchedule(7 as never)],
  ['listSchedules limit 0', 'limit', (c) => c.listSchedules({ limit: 0 })],
  ["listSchedules limit '5'", 'limit', (c) => c.listSchedules({ limit: '5' as never })],
  ['listSchedules unknown state', 'states[0]', (c) => c.listSchedules({ states: ['running' as never] })],
  ['listTasks schedule 3', 'schedule', (c) => c.listTasks({ schedule: 3 as never })],
  ['listTasks limit -2', 'limit', (c) => c.listTasks({ limit: -2 })],
  ["listTasks states 'failed'", 'states', (c) => c.listTasks({ states: 'failed' as never })],
  ['getTask(1)', 'id', (c) => c.getTask(1 as never)],
  ['cancelTask(undefined)', 'id', (c) => c.cancelTask(undefined as never)],
  ['cancelTask reason 5', 'reason', (c) => c.cancelTask('t', 5 as never)],
  ['taskHistory([])', 'id', (c) => c.taskHistory([] as never)],
  ['validations clientId 9', 'clientId', (c) => c.validations({ clientId: 9 as never })],
  ['pageSchedules cursor garbage', 'cursor', (c) => c.pageSchedules({ cursor: '!!not-base64!!' })],
  [
    'pageSchedules task cursor',
    'cursor',
    (c) => c.pageSchedules({ cursor: Buffer.from('{"f":1,"i":"x"}').toString('base64url') }),
  ],
  ['pageSchedules q with NUL', 'q', (c) => c.pageSchedules({ q: 'a\u0000' })],
  [
    'pageTasks schedule cursor',
    'cursor',
    (c) => c.pageTasks({ cursor: Buffer.from('{"n":"x"}').toString('base64url') }),
  ],
  ['pageTasks limit 0', 'limit', (c) => c.pageTasks({ limit: 0 })],
  ['taskLogs afterSeq -1', 'afterSeq', (c) => c.taskLogs({ id: 't', afterSeq: -1 })],
];

describe('RookeryClient read arguments', () => {
  it('refuses non-string ids, a bad limit and unknown states with a ValidationError naming the argument', async () => {
    const client = new RookeryClient({ datastore: new MemoryDatastore(), builtInExecutors: ['noop'] });
    for (const [label, field, call] of BAD_CALLS) {
      const error: unknown = await call(client).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, label).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field, label).toBe(field);
    }
  });

  it('refuses a name that compares as over 200 characters, writing nothing', async () => {
    const datastore = new MemoryDatastore();
    const client = new RookeryClient({ datastore, builtInExecutors: ['noop'] });
    await expect(
      client.createSchedule({
        name: 'İ'.repeat(101),
        executor: 'noop',
        trigger: { kind: 'interval', everyMs: 60_000 },
      }),
    ).rejects.toMatchObject({
      constructor: ValidationError,
      field: 'name',
    });
    expect(await client.listSchedules()).toEqual([]);
  });
});
