import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors/validation-error.js';
import { DEFAULT_POLICIES, validateScheduleInput, type ScheduleInput } from '../../src/model/schedule-input.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const base: ScheduleInput = {
  name: 'nightly-report',
  executor: 'send-report',
  trigger: { kind: 'cron', expr: '0 3 * * *' },
};
const validate = (patch: Record<string, unknown>, opts: { maxPayloadBytes?: number } = {}) =>
  validateScheduleInput({ ...base, ...patch }, { now: NOW, ...opts });

/** The ValidationError thrown by `fn` (fails the test if none, or another type). */
function rejection(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error('expected a ValidationError');
}
const fieldOf = (patch: Record<string, unknown>, opts: { maxPayloadBytes?: number } = {}): string =>
  rejection(() => validate(patch, opts)).field;

describe('validateScheduleInput: the happy path', () => {
  it('fills defaults and canonicalises', () => {
    const s = validate({
      name: '  Cafe\u0301 report ',
      trigger: { kind: 'cron', expr: ' 0 3 * * * ', tz: 'europe/berlin' },
    });
    expect(s).toEqual({
      name: 'Café report',
      executor: 'send-report',
      payload: null,
      trigger: { kind: 'cron', expr: '0 3 * * *', tz: 'Europe/Berlin' },
      startAt: null,
      endAt: null,
      policies: DEFAULT_POLICIES,
      paused: false,
      clientId: null,
    });
    expect(s.name).toBe('Caf\u00e9 report');
  });
  it('keeps a client id, and refuses a bad one or one with paused', () => {
    expect(validate({ clientId: 'team-a' }).clientId).toBe('team-a');
    expect(() => validate({ clientId: 7 })).toThrow(expect.objectContaining({ field: 'clientId' }));
    expect(() => validate({ clientId: 'a\u0007b' })).toThrow(expect.objectContaining({ field: 'clientId' }));
    expect(() => validate({ clientId: 'x'.repeat(201) })).toThrow(expect.objectContaining({ field: 'clientId' }));
    expect(() => validate({ clientId: 'team-a', paused: true })).toThrow(expect.objectContaining({ field: 'paused' }));
  });
  it('has the documented defaults, frozen', () => {
    expect(DEFAULT_POLICIES).toEqual({
      duplicate: 'run',
      misfire: 'run-once',
      misfireMaxRuns: 10,
      misfireGraceMs: 60_000,
      startingDeadlineMs: null,
      retry: { kind: 'none', maxAttempts: 1, delayMs: 1000, factor: 2, maxDelayMs: 3_600_000, jitter: 0 },
      timeoutMs: null,
      priority: 0,
      taskCreation: 'ahead',
      delivery: 'at-least-once',
      dst: { gap: 'run-after-gap', overlap: 'first' },
      jitterMs: 0,
    });
    expect(Object.isFrozen(DEFAULT_POLICIES) && Object.isFrozen(DEFAULT_POLICIES.retry)).toBe(true);
  });
  it('merges partial policies and reads ISO instants', () => {
    const s = validate({
      executor: '@acme/jobs:send.v2',
      payload: { to: ['a@b.c'], n: 1, nested: { ok: true, none: null } },
      startAt: '2026-02-01T00:00:00+01:00',
      endAt: Date.parse('2026-12-31T00:00:00Z'),
      paused: true,
      policies: {
        duplicate: 'queue',
        retry: { kind: 'exponential', maxAttempts: 5 },
        dst: { overlap: 'both' },
        timeoutMs: null,
      },
    });
    expect(s.startAt).toBe(Date.parse('2026-01-31T23:00:00Z'));
    expect(s.policies.retry).toEqual({ ...DEFAULT_POLICIES.retry, kind: 'exponential', maxAttempts: 5 });
    expect(s.policies.dst).toEqual({ gap: 'run-after-gap', overlap: 'both' });
    expect(s.policies.duplicate).toBe('queue');
    expect(s.paused).toBe(true);
  });
  it('copies the payload', () => {
    const payload = { list: [1, 2] };
    const s = validate({ payload });
    payload.list.push(3);
    expect(s.payload).toEqual({ list: [1, 2] });
  });
  it('raises an unstated maxDelayMs to a larger stated delayMs', () => {
    const s = validate({ policies: { retry: { kind: 'fixed', maxAttempts: 3, delayMs: 7_200_000 } } });
    expect(s.policies.retry.maxDelayMs).toBe(7_200_000);
  });
  it('forces on-end task creation for after-run', () => {
    expect(validate({ trigger: { kind: 'after-run', delayMs: 5000 } }).policies.taskCreation).toBe('on-end');
    expect(fieldOf({ trigger: { kind: 'after-run', delayMs: 5000 }, policies: { taskCreation: 'ahead' } })).toBe(
      'policies.taskCreation',
    );
  });
});

describe('validateScheduleInput: names', () => {
  it.each([
    [{ name: 42 }, 'name'],
    [{ name: '   ' }, 'name'],
    [{ name: 'x'.repeat(201) }, 'name'],
    [{ name: 'bad\nname' }, 'name'],
    [{ name: 'nul\u0000' }, 'name'],
    [{ name: 'half \uD800' }, 'name'],
    [{ executor: '' }, 'executor'],
    [{ executor: 'has space' }, 'executor'],
    [{ executor: "x'); DROP TABLE t;--" }, 'executor'],
    [{ executor: 'e'.repeat(201) }, 'executor'],
    [{ paused: 'yes' }, 'paused'],
    [{ triger: {} }, 'triger'],
  ])('rejects %j on %s', (patch, field) => {
    expect(fieldOf(patch)).toBe(field);
  });
  it('keeps SQL-looking names as data', () => {
    expect(validate({ name: "x'); DROP TABLE t;--" }).name).toBe("x'); DROP TABLE t;--");
  });
  it('refuses a non-object', () => {
    expect(rejection(() => validateScheduleInput('nope', { now: NOW })).field).toBe('schedule');
  });
});

describe('validateScheduleInput: payload', () => {
  const circular: Record<string, unknown> = {};
  circular['self'] = circular;
  let deep: unknown = 1;
  for (let i = 0; i < 101; i++) deep = [deep];
  it.each([
    ['a BigInt', { n: 10n }, 'payload.n', /bigint/],
    ['a function', { f: () => 1 }, 'payload.f', /function/],
    ['an undefined value', { u: undefined }, 'payload.u', /undefined/],
    // eslint-disable-next-line no-sparse-arrays -- the case is an array with a hole
    ['a sparse array', [1, , 3], 'payload[1]', /undefined/],
    ['NaN', { n: Number.NaN }, 'payload.n', /NaN/],
    ['Infinity', [Infinity], 'payload[0]', /Infinity/],
    ['a circular reference', circular, 'payload.self', /circular/],
    ['nesting over 100', deep, 'payload' + '[0]'.repeat(100), /deeper than 100/],
    ['NUL in a string', { s: 'a\u0000b' }, 'payload.s', /NUL/],
    ['NUL in a key', { ['k\u0000']: 1 }, 'payload.k\u0000', /NUL/],
    ['a lone surrogate', { s: '\uDC00' }, 'payload.s', /surrogate/],
    ['__proto__', JSON.parse('{"__proto__": {"x": 1}}'), 'payload.__proto__', /not allowed/],
    ['constructor', { a: { constructor: 1 } }, 'payload.a.constructor', /not allowed/],
    ['prototype', { prototype: 1 }, 'payload.prototype', /not allowed/],
    ['a Date', { d: new Date(0) }, 'payload.d', /plain object/],
    ['a Map', new Map(), 'payload', /plain object/],
    ['a symbol', { s: Symbol('x') }, 'payload.s', /symbol/],
  ])('rejects %s', (_what, payload, field, message) => {
    const e = rejection(() => validate({ payload }));
    expect(e.field).toBe(field);
    expect(e.message).toMatch(message);
  });
  it('accepts nesting of exactly 100 and well-formed surrogate pairs', () => {
    let ok: unknown = 1;
    for (let i = 0; i < 100; i++) ok = [ok];
    expect(validate({ payload: ok }).payload).toEqual(ok);
    expect(validate({ payload: { emoji: '🐦' } }).payload).toEqual({ emoji: '🐦' });
  });
  it('enforces the size limit in UTF-8 bytes', () => {
    const e = rejection(() => validate({ payload: 'é'.repeat(40_000) }));
    expect(e.field).toBe('payload');
    expect(e.message).toMatch(/80002 bytes .* limit of 65536/);
    expect(fieldOf({ payload: { s: 'x'.repeat(100) } }, { maxPayloadBytes: 50 })).toBe('payload');
    expect(validate({ payload: 'x'.repeat(100) }, { maxPayloadBytes: 102 }).payload).toHaveLength(100);
  });
});

describe('validateScheduleInput: policies', () => {
  it.each([
    [{ duplicate: 'overlap' }, 'policies.duplicate'],
    [{ misfire: 'All Of Them' }, 'policies.misfire'],
    [{ misfireMaxRuns: 0 }, 'policies.misfireMaxRuns'],
    [{ misfireMaxRuns: 10_001 }, 'policies.misfireMaxRuns'],
    [{ misfireGraceMs: -1 }, 'policies.misfireGraceMs'],
    [{ misfireGraceMs: 86_400_001 }, 'policies.misfireGraceMs'],
    [{ startingDeadlineMs: 0 }, 'policies.startingDeadlineMs'],
    [{ timeoutMs: 0 }, 'policies.timeoutMs'],
    [{ timeoutMs: 31 * 86_400_000 }, 'policies.timeoutMs'],
    [{ timeoutMs: Number.NaN }, 'policies.timeoutMs'],
    [{ priority: 1001 }, 'policies.priority'],
    [{ priority: 1.5 }, 'policies.priority'],
    [{ taskCreation: 'later' }, 'policies.taskCreation'],
    [{ delivery: 'exactly-once' }, 'policies.delivery'],
    [{ jitterMs: -5 }, 'policies.jitterMs'],
    [{ foo: 1 }, 'policies.foo'],
    [{ retry: { kind: 'Linear!' } }, 'policies.retry.kind'],
    [{ retry: { kind: 'fixed', maxAttempts: 0 } }, 'policies.retry.maxAttempts'],
    [{ retry: { kind: 'fixed', maxAttempts: Infinity } }, 'policies.retry.maxAttempts'],
    [{ retry: { kind: 'fixed', maxAttempts: 2.5 } }, 'policies.retry.maxAttempts'],
    [{ retry: { kind: 'none', maxAttempts: 3 } }, 'policies.retry.maxAttempts'],
    [{ retry: { delayMs: -1 } }, 'policies.retry.delayMs'],
    [{ retry: { factor: 0.5 } }, 'policies.retry.factor'],
    [{ retry: { factor: 11 } }, 'policies.retry.factor'],
    [{ retry: { delayMs: 10_000, maxDelayMs: 5000 } }, 'policies.retry.maxDelayMs'],
    [{ retry: { maxDelayMs: 8 * 86_400_000 } }, 'policies.retry.maxDelayMs'],
    [{ retry: { jitter: 1.5 } }, 'policies.retry.jitter'],
    [{ retry: { backoff: 2 } }, 'policies.retry.backoff'],
    [{ retry: 'none' }, 'policies.retry'],
    [{ dst: { gap: 'run-before' } }, 'policies.dst.gap'],
    [{ dst: { overlap: 'twice' } }, 'policies.dst.overlap'],
    [{ dst: { fold: 'first' } }, 'policies.dst.fold'],
  ])('rejects %j on %s', (policies, field) => {
    expect(fieldOf({ policies })).toBe(field);
  });
  it('names an unknown policy', () => {
    expect(rejection(() => validate({ policies: { foo: 1 } })).message).toBe('policies.foo: unknown policy');
    expect(fieldOf({ policies: [] })).toBe('policies');
  });
});

describe('validateScheduleInput: window and firing', () => {
  it.each([
    [{ startAt: '2026-06-01T00:00:00Z', endAt: '2026-05-01T00:00:00Z' }, 'endAt', /before startAt/],
    [{ endAt: '2025-12-31T00:00:00Z' }, 'endAt', /in the past/],
    [{ startAt: '2026-06-01T00:00:00' }, 'startAt', /offset or Z/],
    [{ trigger: { kind: 'once', at: '2025-12-31T23:58:59Z' } }, 'trigger.at', /in the past/],
    [{ trigger: { kind: 'after-run', delayMs: 1000, firstAt: NOW - 3_600_000 } }, 'trigger.firstAt', /in the past/],
    [
      { trigger: { kind: 'once', at: '2026-03-01T00:00:00Z' }, endAt: '2026-02-01T00:00:00Z' },
      'trigger',
      /never fires within the window/,
    ],
    [
      { trigger: { kind: 'once', at: '2026-03-01T00:00:00Z' }, startAt: '2026-04-01T00:00:00Z' },
      'trigger',
      /never fires/,
    ],
    [
      { trigger: { kind: 'cron', expr: '0 12 29 2 *' }, endAt: '2027-12-31T00:00:00Z' },
      'trigger',
      /never fires within the window/,
    ],
    [
      { trigger: { kind: 'cron', expr: '0 3 * * *' }, startAt: '2026-05-01T03:00:01Z', endAt: '2026-05-02T02:59:59Z' },
      'trigger',
      /never fires/,
    ],
    [{ trigger: { kind: 'cron', expr: '0 0 30 2 *' } }, 'trigger.expr', /never fires/],
    [{ trigger: { kind: 'cron', expr: '60 * * * *' } }, 'trigger.expr', /minute field: 60 out of range 0-59/],
  ])('rejects %j on %s', (patch, field, message) => {
    const e = rejection(() => validate(patch));
    expect(e.field).toBe(field);
    expect(e.message).toMatch(message);
  });
  it('accepts a once trigger within the misfire grace, and windows that contain a fire', () => {
    expect(validate({ trigger: { kind: 'once', at: NOW - 30_000 } }).trigger).toEqual({
      kind: 'once',
      at: NOW - 30_000,
    });
    const s = validate({ trigger: { kind: 'cron', expr: '0 12 29 2 *' }, endAt: '2028-03-01T00:00:00Z' });
    expect(s.endAt).toBe(Date.parse('2028-03-01T00:00:00Z'));
    const w = validate({ startAt: '2026-05-01T03:00:00Z', endAt: '2026-05-01T03:00:00Z' });
    expect(w.startAt).toBe(w.endAt);
    expect(validate({ trigger: { kind: 'interval', everyMs: 86_400_000, anchor: 0 } }).trigger.kind).toBe('interval');
  });
});

describe('validateScheduleInput: never anything but ValidationError', () => {
  it('holds for arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            name: fc.oneof(fc.string(), fc.anything()),
            executor: fc.oneof(fc.constant('x'), fc.anything()),
            payload: fc.anything(),
            trigger: fc.oneof(
              fc.record(
                {
                  kind: fc.constantFrom('cron', 'interval', 'once', 'after-run'),
                  expr: fc.string(),
                  everyMs: fc.anything(),
                  at: fc.anything(),
                },
                { requiredKeys: ['kind'] },
              ),
              fc.anything(),
            ),
            policies: fc.oneof(fc.constant(undefined), fc.dictionary(fc.string(), fc.anything())),
          },
          { requiredKeys: [] },
        ),
        (input) => {
          try {
            validateScheduleInput(input, { now: NOW });
          } catch (e) {
            if (!(e instanceof ValidationError)) throw e;
          }
        },
      ),
      { numRuns: 300, seed: 42 },
    );
  });
});
