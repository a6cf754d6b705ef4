import { describe, expect, it } from 'vitest';
import {
  DuplicateKeyError,
  MemoryDatastore,
  previewTrigger,
  RookeryClient,
  UnknownExecutorError,
  ValidationError,
  type ScheduleInput,
} from '../../src/index.js';

/**
 * RELIABILITY.md §4, one test per row that concerns a schedule: each bad input is refused by
 * `createSchedule` with a typed error naming the field, and nothing is written. The clock is
 * the memory store's, injected. Rows about node configuration (timeouts of leases, heartbeats,
 * poll waits) are the node options' own tests; executors at run time are the node's.
 */

const NOW = Date.parse('2026-03-07T12:00:00Z');
const HOUR = 3_600_000;

function cluster(options: { allowSecondsCron?: boolean } = {}) {
  const datastore = new MemoryDatastore({ clock: { now: () => NOW, monotonic: () => 0 } });
  const client = new RookeryClient({ datastore, builtInExecutors: ['noop'], ...options });
  return { datastore, client };
}

const base: ScheduleInput = { name: 'report', executor: 'noop', trigger: { kind: 'cron', expr: '0 3 * * *' } };
type Patch = Record<string, unknown>;
type Case = [what: string, patch: Patch, field: string, message: RegExp];

/** Creates `base` patched, expects a ValidationError on `field` matching `message`, and no schedule stored. */
async function expectRefused(
  patch: Patch,
  field: string,
  message: RegExp,
  options: { allowSecondsCron?: boolean } = {},
): Promise<void> {
  const { datastore, client } = cluster(options);
  const error = await client.createSchedule({ ...base, ...patch } as ScheduleInput).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).field).toBe(field);
  expect((error as ValidationError).message).toMatch(message);
  expect(await datastore.scheduleList()).toEqual([]);
}

const cron = (expr: string, tz?: string): Patch => ({
  trigger: tz === undefined ? { kind: 'cron', expr } : { kind: 'cron', expr, tz },
});

describe('§4 cron syntax: refused, naming the cron field', () => {
  it.each<Case>([
    ['wrong field count', cron('* * *'), 'trigger.expr', /expected 5 fields .* got 3/],
    ['minute out of range', cron('60 * * * *'), 'trigger.expr', /minute field: 60 out of range/],
    ['hour out of range', cron('* 24 * * *'), 'trigger.expr', /hour field: 24 out of range/],
    ['month 13', cron('* * * 13 *'), 'trigger.expr', /month field: 13 out of range/],
    ['weekday 8', cron('* * * * 8'), 'trigger.expr', /day-of-week field: 8 out of range/],
    ['step 0', cron('*/0 * * * *'), 'trigger.expr', /minute field: step 0/],
    ['reversed range', cron('5-1 * * * *'), 'trigger.expr', /minute field: reversed range 5-1/],
    ['empty list item', cron('1,,2 * * * *'), 'trigger.expr', /minute field: empty list item/],
    ['L', cron('0 0 L * *'), 'trigger.expr', /day-of-month field: unsupported token 'L'/],
    ['W', cron('0 0 15W * *'), 'trigger.expr', /unsupported token 'W'/],
    ['#', cron('0 0 * * 5#2'), 'trigger.expr', /unsupported token '#'/],
    ['?', cron('0 0 ? * *'), 'trigger.expr', /unsupported token '\?'/],
    ['Unicode digits', cron('٠ ٣ * * *'), 'trigger.expr', /non-ASCII/],
    ['a newline', cron('0 3 * * *\n0 4 * * *'), 'trigger.expr', /control character or line break/],
    ['over 256 characters', cron(`0 0 * * ${'1,'.repeat(130)}1`), 'trigger.expr', /longer than 256/],
    ['ambiguous SUN-SUN', cron('0 0 * * SUN-SUN'), 'trigger.expr', /day-of-week field: 'SUN-SUN' is ambiguous/],
  ])('%s', (_what, patch, field, message) => expectRefused(patch, field, message));
});

describe('§4 cron semantics: never fires and @reboot refused; ambiguity warned in the preview', () => {
  it.each<Case>([
    ['30 February', cron('0 0 30 2 *'), 'trigger.expr', /never fires/],
    ['31 April', cron('0 0 31 4 *'), 'trigger.expr', /never fires/],
    ['@reboot', cron('@reboot'), 'trigger.expr', /@reboot is not supported/],
  ])('%s', (_what, patch, field, message) => expectRefused(patch, field, message));

  it('warns about 6 fields (seconds first) and about day-of-month OR day-of-week', () => {
    const p = previewTrigger({ kind: 'cron', expr: '0 0 0 1 * MON', tz: 'UTC' }, { count: 1, from: NOW });
    expect(p.warnings).toEqual([
      expect.stringMatching(/^6 fields: the first is seconds/),
      expect.stringMatching(/fires when EITHER matches/),
    ]);
  });
});

describe('§4 too fine: refused, never silently thinned out', () => {
  it.each<Case>([
    [
      'an interval under a second',
      { trigger: { kind: 'interval', everyMs: 999 } },
      'trigger.everyMs',
      /outside 1000 ms/,
    ],
    [
      'an after-run delay under a second',
      { trigger: { kind: 'after-run', delayMs: 500 } },
      'trigger.delayMs',
      /outside 1000 ms/,
    ],
  ])('%s', (_what, patch, field, message) => expectRefused(patch, field, message));

  it('a second-level cron when second-level cron is disabled', async () => {
    await expectRefused(
      cron('*/10 * * * * *'),
      'trigger.expr',
      /fires more than once a minute, and second-level cron is disabled/,
      { allowSecondsCron: false },
    );
    // One second per minute is not second-level; and it is allowed by default.
    const { client } = cluster({ allowSecondsCron: false });
    await expect(client.createSchedule({ ...base, ...cron('30 */5 * * * *') } as ScheduleInput)).resolves.toMatchObject(
      { name: 'report' },
    );
    await expect(
      cluster().client.createSchedule({ ...base, ...cron('*/10 * * * * *') } as ScheduleInput),
    ).resolves.toMatchObject({ name: 'report' });
  });
});

describe('§4 time zone: unknown refused, aliases normalised', () => {
  it.each<Case>([
    ['unknown', cron('0 3 * * *', 'Mars/Olympus_Mons'), 'trigger.tz', /unknown time zone/],
    ['empty', cron('0 3 * * *', ''), 'trigger.tz', /is empty/],
    ['a raw offset', cron('0 3 * * *', '+02:00'), 'trigger.tz', /raw offset/],
    ['UTC+2', cron('0 3 * * *', 'UTC+2'), 'trigger.tz', /raw offset/],
  ])('%s', (_what, patch, field, message) => expectRefused(patch, field, message));

  it('a legacy alias is stored under its canonical name', async () => {
    const s = await cluster().client.createSchedule({ ...base, ...cron('0 3 * * *', 'US/Eastern') } as ScheduleInput);
    expect(s.trigger).toEqual({ kind: 'cron', expr: '0 3 * * *', tz: 'America/New_York' });
  });
});

describe('§4 DST: the documented rule (the oracle covers it at large)', () => {
  it('02:30 on a spring-forward day runs at 03:00; 01:30 on a fall-back day runs once, first', async () => {
    const { client } = cluster();
    const gap = await client.createSchedule({
      ...base,
      name: 'gap',
      ...cron('30 2 8 3 *', 'America/New_York'),
    } as ScheduleInput);
    expect(new Date(gap.nextFireAt ?? 0).toISOString()).toBe('2026-03-08T07:00:00.000Z'); // 03:00 EDT
    const overlap = await client.createSchedule({
      ...base,
      name: 'overlap',
      ...cron('30 1 1 11 *', 'America/New_York'),
    } as ScheduleInput);
    expect(new Date(overlap.nextFireAt ?? 0).toISOString()).toBe('2026-11-01T05:30:00.000Z'); // 01:30 EDT
  });
});

describe('§4 interval: refused', () => {
  it.each<Case>([
    ['0', { trigger: { kind: 'interval', everyMs: 0 } }, 'trigger.everyMs', /outside/],
    ['negative', { trigger: { kind: 'interval', everyMs: -60_000 } }, 'trigger.everyMs', /outside/],
    ['NaN', { trigger: { kind: 'interval', everyMs: Number.NaN } }, 'trigger.everyMs', /whole number/],
    ['Infinity', { trigger: { kind: 'interval', everyMs: Infinity } }, 'trigger.everyMs', /whole number/],
    ['-Infinity', { trigger: { kind: 'interval', everyMs: -Infinity } }, 'trigger.everyMs', /whole number/],
    ['not whole', { trigger: { kind: 'interval', everyMs: 1500.5 } }, 'trigger.everyMs', /whole number/],
    [
      'over 100 years',
      { trigger: { kind: 'interval', everyMs: 101 * 365.25 * 24 * HOUR } },
      'trigger.everyMs',
      /100 years/,
    ],
  ])('%s', (_what, patch, field, message) => expectRefused(patch, field, message));

  it('a period beyond a 32-bit timer (30 days) is accepted: long waits are chunked', async () => {
    const s = await cluster().client.createSchedule({
      ...base,
      trigger: { kind: 'interval', everyMs: 30 * 24 * HOUR, anchor: NOW },
    });
    expect(s.nextFireAt).toBe(NOW); // the anchor itself, then every 30 days
  });
});

describe('§4 one-time: invalid refused; in the past refused beyond the misfire grace', () => {
  it.each<Case>([
    [
      'an invalid Date',
      { trigger: { kind: 'once', at: new Date(Number.NaN) } },
      'trigger.at',
      /epoch ms or an ISO-8601 string/,
    ],
    [
      'a non-ISO string',
      { trigger: { kind: 'once', at: 'tomorrow at noon' } },
      'trigger.at',
      /not an ISO-8601 date-time/,
    ],
    [
      'no offset or zone',
      { trigger: { kind: 'once', at: '2026-03-08T10:00:00' } },
      'trigger.at',
      /needs an offset or Z/,
    ],
    ['in the past', { trigger: { kind: 'once', at: NOW - HOUR } }, 'trigger.at', /is in the past/],
    ['beyond the Date range', { trigger: { kind: 'once', at: 8.64e15 + 1 } }, 'trigger.at', /outside the Date range/],
  ])('%s', (_what, patch, field, message) => expectRefused(patch, field, message));

  it('within the misfire grace it is accepted and runs now', async () => {
    const s = await cluster().client.createSchedule({ ...base, trigger: { kind: 'once', at: NOW - 30_000 } });
    expect(s.nextFireAt).toBe(NOW - 30_000);
  });
});

describe('§4 window: refused', () => {
  it.each<Case>([
    ['end before start', { startAt: NOW + 2 * HOUR, endAt: NOW + HOUR }, 'endAt', /before startAt/],
    ['entirely in the past', { endAt: NOW - HOUR }, 'endAt', /in the past/],
    [
      'no fire time inside it',
      { startAt: NOW + HOUR, endAt: NOW + 2 * HOUR },
      'trigger',
      /never fires within the window/,
    ],
    ['a start that is not an instant', { startAt: 'soon' }, 'startAt', /not an ISO-8601/],
  ])('%s', (_what, patch, field, message) => expectRefused(patch, field, message));
});

describe('§4 timeouts: refused (null, not 0, means none)', () => {
  it.each<Case>([
    ['a negative timeout', { policies: { timeoutMs: -1 } }, 'policies.timeoutMs', /or null/],
    ['a NaN timeout', { policies: { timeoutMs: Number.NaN } }, 'policies.timeoutMs', /or null/],
    ['a 0 timeout', { policies: { timeoutMs: 0 } }, 'policies.timeoutMs', /from 1 .* or null; got 0/],
    ['a 0 starting deadline', { policies: { startingDeadlineMs: 0 } }, 'policies.startingDeadlineMs', /or null; got 0/],
    ['a negative misfire grace', { policies: { misfireGraceMs: -1 } }, 'policies.misfireGraceMs', /from 0/],
  ])('%s', (_what, patch, field, message) => expectRefused(patch, field, message));
});

describe('§4 retries: refused; the backoff is capped', () => {
  it.each<Case>([
    [
      'maxAttempts 0',
      { policies: { retry: { kind: 'fixed', maxAttempts: 0 } } },
      'policies.retry.maxAttempts',
      /from 1/,
    ],
    [
      'maxAttempts not whole',
      { policies: { retry: { kind: 'fixed', maxAttempts: 2.5 } } },
      'policies.retry.maxAttempts',
      /whole number/,
    ],
    [
      'maxAttempts Infinity',
      { policies: { retry: { kind: 'fixed', maxAttempts: Infinity } } },
      'policies.retry.maxAttempts',
      /whole number/,
    ],
    [
      'a negative delay',
      { policies: { retry: { kind: 'fixed', maxAttempts: 2, delayMs: -1 } } },
      'policies.retry.delayMs',
      /from 0/,
    ],
    [
      'a cap past a week',
      { policies: { retry: { kind: 'exponential', maxAttempts: 2, maxDelayMs: 8 * 24 * HOUR } } },
      'policies.retry.maxDelayMs',
      /from 0 to 604800000/,
    ],
  ])('%s', (_what, patch, field, message) => expectRefused(patch, field, message));
});

describe('§4 payload: refused, naming the path inside it', () => {
  const circular: Record<string, unknown> = {};
  circular['self'] = circular;
  let deep: unknown = 1;
  for (let i = 0; i < 101; i++) deep = { d: deep };
  it.each<Case>([
    ['over the maximum', { payload: 'x'.repeat(70_000) }, 'payload', /over the limit of 65536/],
    ['a BigInt', { payload: { n: 1n } }, 'payload.n', /bigint is not JSON/],
    ['a circular reference', { payload: circular }, 'payload.self', /circular/],
    ['a function', { payload: { f: () => 1 } }, 'payload.f', /function is not JSON/],
    ['undefined', { payload: { u: undefined } }, 'payload.u', /undefined is not JSON/],
    ['NaN', { payload: { n: Number.NaN } }, 'payload.n', /NaN is not JSON/],
    ['NUL', { payload: { s: 'a\u0000b' } }, 'payload.s', /NUL/],
    ['a lone surrogate', { payload: { s: 'a\uD800' } }, 'payload.s', /lone UTF-16 surrogate/],
    ['nesting over 100', { payload: deep }, `payload${'.d'.repeat(100)}`, /deeper than 100/],
    ['a __proto__ key', { payload: JSON.parse('{"__proto__": 1}') as unknown }, 'payload.__proto__', /not allowed/],
    ['a constructor key', { payload: { constructor: 1 } }, 'payload.constructor', /not allowed/],
  ])('%s', (_what, patch, field, message) => expectRefused(patch, field, message));
});

describe('§4 names: refused, or one canonical form', () => {
  it.each<Case>([
    ['empty', { name: '' }, 'name', /is empty/],
    ['whitespace only', { name: ' \t ' }, 'name', /is empty/],
    ['longer than the column', { name: 'n'.repeat(201) }, 'name', /over 200/],
    ['a control character', { name: 'a\u0007b' }, 'name', /control character/],
  ])('%s', (_what, patch, field, message) => expectRefused(patch, field, message));

  it('SQL-looking names are data; trailing spaces and NFD are the same name as their canonical form', async () => {
    const { client, datastore } = cluster();
    const sql = await client.createSchedule({ ...base, name: "x'); DROP TABLE t;--" });
    expect(sql.name).toBe("x'); DROP TABLE t;--");
    await client.createSchedule({ ...base, name: 'Caf\u00e9' });
    await expect(client.createSchedule({ ...base, name: 'Cafe\u0301 ' })).rejects.toBeInstanceOf(DuplicateKeyError);
    expect((await datastore.scheduleList()).map((s) => s.name).sort()).toEqual(['Caf\u00e9', "x'); DROP TABLE t;--"]);
  });
});

describe('§4 executors at creation: refused', () => {
  it('an unknown executor (UnknownExecutorError, a ValidationError on executor)', async () => {
    const { client, datastore } = cluster();
    const error = await client.createSchedule({ ...base, executor: 'nobody-runs-this' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnknownExecutorError);
    expect((error as UnknownExecutorError).field).toBe('executor');
    expect(await datastore.scheduleList()).toEqual([]);
  });
  it.each<Case>([['a malformed executor name', { executor: 'rm -rf /' }, 'executor', /may only contain/]])(
    '%s',
    (_what, patch, field, message) => expectRefused(patch, field, message),
  );
});

describe('§4 policies: refused', () => {
  it.each<Case>([
    [
      'unknown duplicate policy',
      { policies: { duplicate: 'overlap' } },
      'policies.duplicate',
      /must be one of run, skip, replace, queue/,
    ],
    [
      'unknown misfire policy (malformed)',
      { policies: { misfire: 'Fire All!' } },
      'policies.misfire',
      /must be one of run-all, run-once, skip/,
    ],
    [
      'unknown misfire policy (not registered)',
      { policies: { misfire: 'catch-up' } },
      'policies.misfire',
      /no misfire strategy 'catch-up' is registered/,
    ],
    [
      'unknown delivery mode',
      { policies: { delivery: 'exactly-once' } },
      'policies.delivery',
      /must be one of at-least-once, at-most-once/,
    ],
    [
      'catch-up K negative',
      { policies: { misfire: 'run-all', misfireMaxRuns: -1 } },
      'policies.misfireMaxRuns',
      /from 1 to 10000/,
    ],
    [
      'catch-up K 0',
      { policies: { misfire: 'run-all', misfireMaxRuns: 0 } },
      'policies.misfireMaxRuns',
      /from 1 to 10000/,
    ],
    [
      'catch-up K unbounded',
      { policies: { misfire: 'run-all', misfireMaxRuns: Infinity } },
      'policies.misfireMaxRuns',
      /from 1 to 10000/,
    ],
  ])('%s', (_what, patch, field, message) => expectRefused(patch, field, message));
});

describe('§4 conflicting registration', () => {
  it('the same name with another definition is refused; the stored definition stays', async () => {
    const { client, datastore } = cluster();
    await client.createSchedule(base);
    const error = await client.createSchedule({ ...base, trigger: { kind: 'cron', expr: '0 4 * * *' } }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DuplicateKeyError);
    expect((error as DuplicateKeyError).field).toBe('name');
    expect((await datastore.scheduleList()).map((s) => s.trigger)).toEqual([
      { kind: 'cron', expr: '0 3 * * *', tz: 'UTC' },
    ]);
  });
});
