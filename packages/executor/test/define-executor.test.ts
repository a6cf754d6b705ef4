import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { MemoryDatastore, PermanentError, RookeryClient, ValidationError } from '@rookery/core';
import type { ExecutionContext, Json } from '@rookery/core';
import { defineExecutor } from '../src/index.js';

function ctx(payload: Json): ExecutionContext {
  return {
    task: { id: 't1', scheduleId: 's1', fireAt: 0, attempt: 1, fence: 1 },
    idempotencyKey: 't1:1',
    payload,
    signal: new AbortController().signal,
    log: () => undefined,
    heartbeat: () => undefined,
  };
}

const seen: { to: string; format: 'pdf' | 'csv'; items: { sku: string }[] }[] = [];
const sendReport = defineExecutor({
  name: 'send-report',
  payload: z.object({
    to: z.string().email(),
    format: z.enum(['pdf', 'csv']).default('pdf'),
    items: z.array(z.object({ sku: z.string().min(1) })).default([]),
  }),
  run: async (c) => {
    expectTypeOf(c.payload).toEqualTypeOf<{ to: string; format: 'pdf' | 'csv'; items: { sku: string }[] }>();
    seen.push(c.payload);
    return { sentTo: c.payload.to };
  },
});

describe('defineExecutor', () => {
  it("refuses a payload the schema rejects with a ValidationError naming the field from the issue's path", async () => {
    await expect(sendReport.validate?.({ to: 'not-an-address' })).rejects.toMatchObject({
      constructor: ValidationError,
      field: 'payload.to',
    });
    await expect(
      sendReport.validate?.({ to: 'ops@example.com', items: [{ sku: 'a' }, { sku: '' }] }),
    ).rejects.toMatchObject({ field: 'payload.items[1].sku' });
    await expect(sendReport.validate?.('a string')).rejects.toMatchObject({ field: 'payload' });
    await expect(sendReport.validate?.({ to: 'ops@example.com' })).resolves.toBeUndefined();
  });

  it("runs with the schema's output as ctx.payload (defaults applied) and returns run's result", async () => {
    seen.length = 0;
    await expect(sendReport.start(ctx({ to: 'ops@example.com' }))).resolves.toEqual({
      kind: 'done',
      result: { sentTo: 'ops@example.com' },
    });
    expect(seen).toEqual([{ to: 'ops@example.com', format: 'pdf', items: [] }]);
  });

  it('fails an attempt whose stored payload no longer passes the schema, permanently', async () => {
    const error: unknown = await sendReport.start(ctx({ to: 42 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toContain('payload.to');
  });

  it('refuses a malformed name or a payload option that is not a Standard Schema validator', () => {
    expect(() => defineExecutor({ name: 'bad name', payload: z.null(), run: () => null })).toThrow(
      expect.objectContaining({ field: 'name' }),
    );
    // @ts-expect-error -- a plain object is not a schema
    expect(() => defineExecutor({ name: 'x', payload: { type: 'object' }, run: () => null })).toThrow(
      expect.objectContaining({ field: 'payload' }),
    );
  });

  it("types a schedule's payload by the executor, and the client refuses a bad one at create naming the field, writing nothing", async () => {
    const datastore = new MemoryDatastore();
    const client = new RookeryClient({ datastore, builtInExecutors: ['send-report'] });
    const trigger = { kind: 'interval', everyMs: 60_000 } as const;
    await expect(
      // @ts-expect-error -- `to` must be a string: a wrong payload does not compile
      client.createSchedule({ name: 'r', executor: sendReport, payload: { to: 42 }, trigger }),
    ).rejects.toMatchObject({ constructor: ValidationError, field: 'payload.to' });
    await expect(
      // @ts-expect-error -- `format` is one of 'pdf' | 'csv'
      client.upsertSchedule({
        name: 'r',
        executor: sendReport,
        payload: { to: 'ops@example.com', format: 'docx' },
        trigger,
      }),
    ).rejects.toMatchObject({ field: 'payload.format' });
    await expect(
      client.syncSchedules([
        { name: 'plain', executor: 'send-report', payload: { anything: true }, trigger },
        // @ts-expect-error -- each typed executor types its own entry of a sync
        { name: 'r', executor: sendReport, payload: { to: ['ops@example.com'] }, trigger },
      ]),
    ).rejects.toMatchObject({ field: '[1].payload.to' });
    await expect(
      client.createSchedule({ name: 'r', executor: sendReport, payload: { to: 'not-an-address' }, trigger }),
    ).rejects.toMatchObject({ field: 'payload.to' });
    expect(await datastore.scheduleList({})).toEqual([]);
    const stored = await client.createSchedule({
      name: 'r',
      executor: sendReport,
      payload: { to: 'ops@example.com' },
      trigger,
    });
    expect(stored).toMatchObject({ executor: 'send-report', payload: { to: 'ops@example.com' } });
    const synced = await client.syncSchedules([
      { name: 'r', executor: sendReport, payload: { to: 'ops@example.com' }, trigger },
      { name: 'csv', executor: sendReport, payload: { to: 'ops@example.com', format: 'csv' }, trigger },
    ]);
    expect(synced.map((s) => s.outcome)).toEqual(['unchanged', 'created']);
  });
});
