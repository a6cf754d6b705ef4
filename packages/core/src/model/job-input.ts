import { ValidationError } from '../errors/validation-error.js';
import type { Json } from '../json.js';
import { parseInstant, type InstantInput } from '../trigger/instant-input.js';
import { checkString } from './json-check.js';
import { validateKeyScope, type KeyScope } from './key-scope.js';
import type { RetryPolicy, TaskPolicies } from './policies.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, validateExecutor, validatePayload, validatePolicies } from './schedule-input.js';

/** The policies a job may set: everything a task carries that does not concern a schedule. */
export interface JobPolicyInput {
  /** Retry policy; unstated settings take their defaults. */
  retry?: Partial<RetryPolicy>;
  /** Abort an attempt that runs longer than this; null for no timeout. @defaultValue null */
  timeoutMs?: number | null;
  /** Delivery mode. @defaultValue 'at-least-once' */
  delivery?: TaskPolicies['delivery'];
}

/** A job as a caller writes it: a task to run once, enqueued with no schedule. */
export interface JobInput {
  /** Executor name. */
  executor: string;
  /** JSON payload handed to the executor. @defaultValue null */
  payload?: Json;
  /** Earliest start: epoch ms or ISO-8601 with an offset. An instant past runs at once. @defaultValue now */
  runAt?: InstantInput;
  /** Higher runs first among tasks due at once, -1000 to 1000. @defaultValue 0 */
  priority?: number;
  /**
   * Dedupe key (1 to 200 characters): while a task with this key is pending or running,
   * enqueuing the key again returns that task and writes nothing. Once it has ended
   * (completed, failed, cancelled, …) the key is free and the next enqueue creates a new task,
   * unless {@link JobInput.keyScope} keeps it longer.
   */
  key?: string;
  /** How long the key answers for its task: see {@link KeyScope}. Needs `key`. @defaultValue 'live' */
  keyScope?: KeyScope;
  /** Retry, timeout and delivery. */
  policies?: JobPolicyInput;
}

/** A job input, checked and with its defaults. */
export interface ValidatedJob {
  /** Executor name. */
  executor: string;
  /** Payload (a copy). */
  payload: Json;
  /** Earliest start, or null for now. */
  runAt: number | null;
  /** Dedupe key, or null. */
  key: string | null;
  /** How long the key answers for its task. */
  keyScope: KeyScope;
  /** The task's policies: duplicate `run`, creation `ahead` (a job has no schedule). */
  policies: TaskPolicies;
}

const JOB_KEYS = new Set(['executor', 'payload', 'runAt', 'priority', 'key', 'keyScope', 'policies']);
const JOB_POLICY_KEYS = new Set(['retry', 'timeoutMs', 'delivery']);
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function validateKey(input: unknown): string | null {
  if (input === undefined || input === null) return null;
  if (typeof input !== 'string' || input === '') throw new ValidationError('key', 'must be a non-empty string');
  checkString(input, 'key');
  if (input.length > 200) throw new ValidationError('key', `is ${input.length} characters long, over 200`);
  if (CONTROL.test(input)) throw new ValidationError('key', 'contains a control character');
  return input;
}

/**
 * Validates a job from untrusted input, as {@link validateScheduleInput} does a schedule: a
 * {@link ValidationError} naming the first offending field (`executor`, `payload`, `runAt`,
 * `priority`, `key`, `policies.retry.maxAttempts`, …). A schedule's policies (misfire,
 * duplicate, task creation, DST, jitter, starting deadline) are refused by name: a job has
 * no schedule.
 *
 * @param input - the job as given
 * @param opts - `maxPayloadBytes` (default 65 536)
 */
export function validateJobInput(input: unknown, opts: { maxPayloadBytes?: number } = {}): ValidatedJob {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new ValidationError('job', 'must be an object');
  const raw = input as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!JOB_KEYS.has(key)) throw new ValidationError(key, 'unknown field of a job');
  }
  const executor = validateExecutor(raw['executor']);
  const policiesIn = raw['policies'];
  if (
    policiesIn !== undefined &&
    (typeof policiesIn !== 'object' || policiesIn === null || Array.isArray(policiesIn))
  ) {
    throw new ValidationError('policies', 'must be an object');
  }
  for (const key of Object.keys(policiesIn ?? {})) {
    if (!JOB_POLICY_KEYS.has(key))
      throw new ValidationError(`policies.${key}`, 'is not a policy of a job (a job has no schedule)');
  }
  const priority = raw['priority'] ?? 0;
  if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < -1000 || priority > 1000) {
    throw new ValidationError('priority', `must be a whole number from -1000 to 1000; got ${String(priority)}`);
  }
  const checked = validatePolicies(policiesIn, 'once');
  const payload = validatePayload(raw['payload'], opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES);
  const runAt = raw['runAt'] === undefined || raw['runAt'] === null ? null : parseInstant(raw['runAt'], 'runAt');
  const key = validateKey(raw['key']);
  const keyScope = validateKeyScope(raw['keyScope']);
  if (key === null && raw['keyScope'] !== undefined) throw new ValidationError('keyScope', 'needs a key');
  return {
    executor,
    payload,
    runAt,
    key,
    keyScope,
    policies: {
      duplicate: 'run',
      retry: checked.retry,
      timeoutMs: checked.timeoutMs,
      priority,
      delivery: checked.delivery,
      taskCreation: 'ahead',
    },
  };
}
