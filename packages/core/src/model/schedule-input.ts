import { ValidationError } from '../errors/validation-error.js';
import type { Json } from '../json.js';
import { checkJson, checkString } from './json-check.js';
import { cronSecondsPerMinute } from '../trigger/cron-pattern.js';
import { parseInstant, type InstantInput } from '../trigger/instant-input.js';
import { nextFireTime } from '../trigger/next-fire.js';
import type { Trigger } from '../trigger/trigger.js';
import { validateTrigger, type TriggerInput } from '../trigger/validate-trigger.js';
import type { DstPolicy, RetryPolicy, SchedulePolicies } from './policies.js';
import { checkNameKey } from '../datastore/read-params.js';

/** A schedule as a caller writes it: every policy optional, instants as epoch ms or ISO strings. */
export interface ScheduleInput {
  /** Unique name; stored trimmed and in Unicode NFC. At most 200 characters, and at most 200 once lower-cased for comparison; no control characters. */
  name: string;
  /** Executor name: letters, digits and `@ . _ : / -`, at most 200 characters. */
  executor: string;
  /** JSON payload for the executor. @defaultValue null */
  payload?: Json;
  /** When it fires. */
  trigger: Trigger | TriggerInput;
  /** No fire time before this instant. */
  startAt?: InstantInput;
  /** No fire time after this instant. */
  endAt?: InstantInput;
  /** Policies; missing ones take {@link DEFAULT_POLICIES}. */
  policies?: Partial<Omit<SchedulePolicies, 'retry' | 'dst'>> & {
    retry?: Partial<RetryPolicy>;
    dst?: Partial<DstPolicy>;
  };
  /** Create it paused. @defaultValue false */
  paused?: boolean;
  /**
   * Submit it for asynchronous validation: the schedule is stored `pending-validation` at
   * once, a node that has its executor validates the payload, and it becomes `active` or
   * `rejected` with the reason; `RookeryClient.validations({ clientId })` lists the outcomes.
   * At most 200 characters, no control characters; cannot be combined with `paused`.
   */
  clientId?: string;
}

/** A schedule input that passed {@link validateScheduleInput}: canonical, defaults filled in. */
export interface ValidatedSchedule {
  /** Trimmed, NFC name. */
  name: string;
  /** Executor name. */
  executor: string;
  /** A fresh copy of the payload, as `JSON.parse(JSON.stringify(payload))` would give. */
  payload: Json;
  /** The validated trigger, instants as epoch ms. */
  trigger: Trigger;
  /** Window start, or null. */
  startAt: number | null;
  /** Window end, or null. */
  endAt: number | null;
  /** Every policy. */
  policies: SchedulePolicies;
  /** Whether it starts paused. */
  paused: boolean;
  /** Client that submitted it for asynchronous validation, or null. */
  clientId: string | null;
}

const defaults: SchedulePolicies = {
  duplicate: 'run',
  misfire: 'run-once',
  misfireMaxRuns: 10,
  misfireGraceMs: 60_000,
  startingDeadlineMs: null,
  retry: Object.freeze({ kind: 'none', maxAttempts: 1, delayMs: 1000, factor: 2, maxDelayMs: 3_600_000, jitter: 0 }),
  timeoutMs: null,
  priority: 0,
  taskCreation: 'ahead',
  delivery: 'at-least-once',
  dst: Object.freeze({ gap: 'run-after-gap', overlap: 'first' }),
  jitterMs: 0,
};

/**
 * The policies a schedule gets when it names none (see the `@defaultValue` tags of
 * {@link SchedulePolicies}). Frozen, nested objects included.
 */
export const DEFAULT_POLICIES: SchedulePolicies = Object.freeze(defaults);

/** Default largest serialized payload, in UTF-8 bytes. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 65_536;

const DAY = 86_400_000;
const NAME = /^[A-Za-z0-9@._:/-]+$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const TOP_KEYS = new Set([
  'name',
  'executor',
  'payload',
  'trigger',
  'startAt',
  'endAt',
  'policies',
  'paused',
  'clientId',
]);

type Check = (value: unknown, field: string) => unknown;

const oneOf =
  (...allowed: readonly string[]): Check =>
  (v, f) => {
    if (typeof v !== 'string' || !allowed.includes(v))
      throw new ValidationError(f, `must be one of ${allowed.join(', ')}`);
    return v;
  };

/**
 * A strategy name: one of the built-ins, or another name a user registered in the strategy
 * registry (the client refuses a name that is not registered, naming the field).
 */
const strategyName =
  (...builtIns: readonly string[]): Check =>
  (v, f) => {
    if (typeof v === 'string' && (builtIns.includes(v) || /^[a-z][a-z0-9-]{0,63}$/.test(v))) return v;
    throw new ValidationError(
      f,
      `must be one of ${builtIns.join(', ')}, or the name of a registered strategy (lower-case letters, digits and dashes)`,
    );
  };

const int =
  (min: number, max: number, nullable = false): Check =>
  (v, f) => {
    if (nullable && v === null) return null;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new ValidationError(
        f,
        `must be a whole number from ${min} to ${max}${nullable ? ', or null' : ''}; got ${String(v)}`,
      );
    }
    return v;
  };

const num =
  (min: number, max: number): Check =>
  (v, f) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      throw new ValidationError(f, `must be a number from ${min} to ${max}; got ${String(v)}`);
    }
    return v;
  };

const POLICY_CHECKS: Record<string, Check> = {
  duplicate: oneOf('run', 'skip', 'replace', 'queue'),
  misfire: strategyName('run-all', 'run-once', 'skip'),
  misfireMaxRuns: int(1, 10_000),
  misfireGraceMs: int(0, DAY),
  startingDeadlineMs: int(1, Number.MAX_SAFE_INTEGER, true),
  timeoutMs: int(1, 30 * DAY, true),
  priority: int(-1000, 1000),
  taskCreation: oneOf('ahead', 'on-start', 'on-end'),
  delivery: oneOf('at-least-once', 'at-most-once'),
  jitterMs: int(0, DAY),
};
const RETRY_CHECKS: Record<string, Check> = {
  kind: strategyName('none', 'fixed', 'exponential'),
  maxAttempts: int(1, 1000),
  delayMs: int(0, DAY),
  factor: num(1, 10),
  maxDelayMs: int(0, 7 * DAY),
  jitter: num(0, 1),
};
const DST_CHECKS: Record<string, Check> = {
  gap: oneOf('run-after-gap', 'skip'),
  overlap: oneOf('first', 'last', 'both'),
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Check the given keys of `input` against `checks`, refusing unknown ones, into a fresh object. */
function checkAll(input: unknown, checks: Record<string, Check>, field: string, what: string): Record<string, unknown> {
  if (input === undefined) return {};
  if (!isRecord(input)) throw new ValidationError(field, 'must be an object');
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const check = Object.hasOwn(checks, key) ? checks[key] : undefined;
    if (check === undefined) throw new ValidationError(`${field}.${key}`, `unknown ${what}`);
    if (value !== undefined) out[key] = check(value, `${field}.${key}`);
  }
  return out;
}

/**
 * Checks a policies object (unknown keys refused) and fills in the defaults; a ValidationError
 * naming the field (`policies.retry.maxAttempts`) otherwise.
 */
export function validatePolicies(input: unknown, triggerKind: Trigger['kind']): SchedulePolicies {
  if (input !== undefined && !isRecord(input)) throw new ValidationError('policies', 'must be an object');
  const raw = input ?? {};
  const top = Object.fromEntries(Object.entries(raw).filter(([key]) => key !== 'retry' && key !== 'dst'));
  const given = checkAll(top, POLICY_CHECKS, 'policies', 'policy');
  const retryIn = checkAll(raw['retry'], RETRY_CHECKS, 'policies.retry', 'retry setting');
  const dstIn = checkAll(raw['dst'], DST_CHECKS, 'policies.dst', 'DST setting');
  const retry = { ...DEFAULT_POLICIES.retry, ...retryIn } as RetryPolicy;
  // An unstated cap never undercuts a stated delay.
  if (retryIn['maxDelayMs'] === undefined) retry.maxDelayMs = Math.max(retry.maxDelayMs, retry.delayMs);
  if (retry.maxDelayMs < retry.delayMs) {
    throw new ValidationError('policies.retry.maxDelayMs', `must be at least delayMs (${retry.delayMs})`);
  }
  if (retry.kind === 'none' && retry.maxAttempts !== 1) {
    throw new ValidationError('policies.retry.maxAttempts', "must be 1 when retry.kind is 'none'");
  }
  const policies = {
    ...DEFAULT_POLICIES,
    ...given,
    retry,
    dst: { ...DEFAULT_POLICIES.dst, ...dstIn },
  } as SchedulePolicies;
  if (triggerKind === 'after-run') {
    if (given['taskCreation'] !== undefined && given['taskCreation'] !== 'on-end') {
      throw new ValidationError(
        'policies.taskCreation',
        "an after-run trigger needs 'on-end' (the next fire follows the end of a run)",
      );
    }
    policies.taskCreation = 'on-end';
  }
  return policies;
}

/** Checks a payload (JSON, at most `maxBytes` serialized) and returns a copy; null when absent. */
export function validatePayload(payload: unknown, maxBytes: number): Json {
  if (payload === undefined) return null;
  checkJson(payload, 'payload');
  const text = JSON.stringify(payload);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes)
    throw new ValidationError('payload', `${bytes} bytes serialized, over the limit of ${maxBytes}`);
  return JSON.parse(text) as Json;
}

function validateName(input: unknown): string {
  if (typeof input !== 'string') throw new ValidationError('name', 'must be a string');
  checkString(input, 'name');
  const name = input.normalize('NFC').trim();
  if (name === '') throw new ValidationError('name', 'is empty');
  if (name.length > 200) throw new ValidationError('name', `is ${name.length} characters long, over 200`);
  if (CONTROL.test(name)) throw new ValidationError('name', 'contains a control character');
  checkNameKey('name', name);
  return name;
}

/** Checks an executor name (letters, digits and `@ . _ : / -`, at most 200 characters). */
export function validateExecutor(input: unknown): string {
  if (typeof input !== 'string' || input === '') throw new ValidationError('executor', 'must be a non-empty string');
  if (input.length > 200) throw new ValidationError('executor', `is ${input.length} characters long, over 200`);
  if (!NAME.test(input)) throw new ValidationError('executor', 'may only contain letters, digits and @ . _ : / -');
  return input;
}

function validateClientId(input: unknown): string | null {
  if (input === undefined) return null;
  if (typeof input !== 'string' || input.trim() === '')
    throw new ValidationError('clientId', 'must be a non-empty string');
  checkString(input, 'clientId');
  if (input.length > 200) throw new ValidationError('clientId', `is ${input.length} characters long, over 200`);
  if (CONTROL.test(input)) throw new ValidationError('clientId', 'contains a control character');
  return input;
}

/** Refuse a trigger that cannot fire inside the window (or, for a one-time trigger, is stale). */
function checkFiresInWindow(s: ValidatedSchedule, now: number): void {
  const { trigger, startAt, endAt, policies } = s;
  if (trigger.kind === 'once' || trigger.kind === 'after-run') {
    const [at, field] =
      trigger.kind === 'once' ? [trigger.at, 'trigger.at'] : [trigger.firstAt ?? now, 'trigger.firstAt'];
    if (at < now - policies.misfireGraceMs)
      throw new ValidationError(field, `${new Date(at).toISOString()} is in the past`);
    if ((startAt !== null && at < startAt) || (endAt !== null && at > endAt)) {
      throw new ValidationError('trigger', 'never fires within the window');
    }
    return;
  }
  const from = Math.max(now, startAt ?? now);
  const first = nextFireTime(trigger, from - 1, { dst: policies.dst, createdAt: now });
  if (first === null || (endAt !== null && first > endAt)) {
    throw new ValidationError('trigger', 'never fires within the window');
  }
}

/**
 * Validate a schedule from untrusted input: every field checked, policies defaulted, instants
 * converted to epoch ms, name in canonical form, payload copied. Throws {@link ValidationError}
 * naming the first offending field (`name`, `trigger.expr`, `policies.retry.maxAttempts`,
 * `payload.items[3]`, ...); never another error type for bad input.
 *
 * Beyond per-field checks: `endAt` may not precede `startAt` or now; a `once` trigger older than
 * `now − misfireGraceMs` is refused; a trigger with no fire time in `[max(now, startAt), endAt]`
 * is refused; `after-run` implies `taskCreation: 'on-end'`; with `allowSecondsCron: false`, a
 * cron that fires at more than one second of a minute is refused (never silently thinned out).
 * Unknown keys are refused.
 *
 * @param input - the schedule as given
 * @param opts - `now` (epoch ms, for the past/window checks), `maxPayloadBytes` (default
 *   65 536) and `allowSecondsCron` (default true)
 */
export function validateScheduleInput(
  input: unknown,
  opts: { now: number; maxPayloadBytes?: number; allowSecondsCron?: boolean },
): ValidatedSchedule {
  if (!isRecord(input)) throw new ValidationError('schedule', 'must be an object');
  for (const key of Object.keys(input)) {
    if (!TOP_KEYS.has(key)) throw new ValidationError(key, 'unknown field of a schedule');
  }
  const name = validateName(input['name']);
  const executor = validateExecutor(input['executor']);
  const trigger = validateTrigger(input['trigger'], 'trigger');
  if (trigger.kind === 'cron' && opts.allowSecondsCron === false && cronSecondsPerMinute(trigger.expr) > 1) {
    throw new ValidationError(
      'trigger.expr',
      `'${trigger.expr}' fires more than once a minute, and second-level cron is disabled`,
    );
  }
  const optionalInstant = (key: 'startAt' | 'endAt'): number | null =>
    input[key] === undefined || input[key] === null ? null : parseInstant(input[key], key);
  const startAt = optionalInstant('startAt');
  const endAt = optionalInstant('endAt');
  if (startAt !== null && endAt !== null && endAt < startAt) throw new ValidationError('endAt', 'is before startAt');
  if (endAt !== null && endAt < opts.now) throw new ValidationError('endAt', 'is in the past');
  const policies = validatePolicies(input['policies'], trigger.kind);
  const paused = input['paused'] ?? false;
  if (typeof paused !== 'boolean') throw new ValidationError('paused', 'must be true or false');
  const payload = validatePayload(input['payload'], opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES);
  const clientId = validateClientId(input['clientId']);
  if (clientId !== null && paused)
    throw new ValidationError(
      'paused',
      'cannot be combined with clientId: a submitted schedule becomes active once valid; pause it then',
    );
  const schedule: ValidatedSchedule = { name, executor, payload, trigger, startAt, endAt, policies, paused, clientId };
  checkFiresInWindow(schedule, opts.now);
  return schedule;
}
