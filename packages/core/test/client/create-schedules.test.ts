import { describe, expect, it } from 'vitest';
import {
  DuplicateKeyError,
  MemoryDatastore,
  RookeryClient,
  ValidationError,
  type ScheduleInput,
} from '../../src/index.js';

function input(i: number, overrides: Partial<ScheduleInput> = {}): ScheduleInput {
  return { name: `bulk-${i}`, executor: 'noop', trigger: { kind: 'interval', everyMs: 1_000 }, ...overrides };
}

describe('RookeryClient.createSchedules', () => {
  it('stores every input in batches and returns them in input order', async () => {
    const datastore = new MemoryDatastore();
    const client = new RookeryClient({ datastore, builtInExecutors: ['noop'] });
    const created = await client.createSchedules(
      Array.from({ length: 7 }, (_, i) => input(i)),
      { batchSize: 3 },
    );
    expect(created.map((s) => s.name)).toEqual(Array.from({ length: 7 }, (_, i) => `bulk-${i}`));
    expect(created.every((s) => s.state === 'active' && s.nextFireAt !== null)).toBe(true);
    expect(await datastore.scheduleList({ limit: 100 })).toHaveLength(7);
  });

  it.each([
    ['a bad field', [input(0), input(1, { trigger: { kind: 'interval', everyMs: 5 } })], '[1].trigger.everyMs'],
    ['an unknown executor', [input(0), input(1), input(2, { executor: 'nobody' })], '[2].executor'],
    ['a name given twice', [input(0), input(1, { name: 'BULK-0' })], '[1].name'],
  ])('refuses %s naming the index and field, writing nothing', async (_label, inputs, field) => {
    const datastore = new MemoryDatastore();
    const client = new RookeryClient({ datastore, builtInExecutors: ['noop'] });
    const error = await client.createSchedules(inputs, { batchSize: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe(field);
    expect(await datastore.scheduleList()).toEqual([]);
  });

  it('accepts an unknown executor with force', async () => {
    const client = new RookeryClient({ datastore: new MemoryDatastore() });
    expect(await client.createSchedules([input(0, { executor: 'later' })], { force: true })).toHaveLength(1);
  });

  it('refuses a batch whose name is taken in the store; earlier batches stay', async () => {
    const datastore = new MemoryDatastore();
    const client = new RookeryClient({ datastore, builtInExecutors: ['noop'] });
    await client.createSchedule(input(3));
    const error = await client
      .createSchedules([input(0), input(1), input(2), input(3)], { batchSize: 2 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DuplicateKeyError);
    expect((await datastore.scheduleList()).map((s) => s.name)).toEqual(['bulk-0', 'bulk-1', 'bulk-3']);
  });

  it('refuses a batch size out of range', async () => {
    const client = new RookeryClient({ datastore: new MemoryDatastore(), builtInExecutors: ['noop'] });
    await expect(client.createSchedules([input(0)], { batchSize: 0 })).rejects.toThrow(ValidationError);
  });
});
