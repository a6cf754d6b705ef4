import { ValidationError } from '../errors/validation-error.js';
import type { ScheduleState } from '../model/schedule.js';
import { TERMINAL_TASK_STATES, type TaskState } from '../model/task.js';
import { nameKey } from './name-key.js';

/** Every schedule state, for checking a `states` filter. */
export const SCHEDULE_STATES: readonly ScheduleState[] = [
  'active',
  'paused',
  'retired',
  'pending-validation',
  'rejected',
  'done',
];

/** Every task state, for checking a `states` filter. */
export const TASK_STATES: readonly TaskState[] = ['pending', 'running', ...TERMINAL_TASK_STATES];

/** Longest schedule name key, in characters: the width of the name key column. */
export const MAX_NAME_KEY_CHARS = 200;

/**
 * Refuses an id or name that is not a string, or that holds NUL (which PostgreSQL refuses in
 * text): a {@link ValidationError} naming `field`, on every store alike.
 */
export function checkIdArgument(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string')
    throw new ValidationError(field, `must be a string, got ${value === null ? 'null' : typeof value}`);
  if (value.includes('\u0000')) throw new ValidationError(field, 'contains NUL (\\u0000), which databases refuse');
}

/** Refuses a `limit` that is given but not a whole number of at least 1 (a {@link ValidationError} naming `field`). */
export function checkLimitArgument(field: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new ValidationError(
      field,
      `must be a whole number of at least 1, got ${typeof value === 'number' ? value : typeof value}`,
    );
  }
}

/** Refuses a `states` filter that is given but is not a list of `allowed` states (a {@link ValidationError} naming `field`). */
export function checkStatesArgument(field: string, value: unknown, allowed: readonly string[]): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) throw new ValidationError(field, `must be a list of states (${allowed.join(', ')})`);
  value.forEach((state: unknown, i) => {
    if (typeof state !== 'string' || !allowed.includes(state)) {
      throw new ValidationError(
        `${field}[${i}]`,
        `must be one of ${allowed.join(', ')}, got ${typeof state === 'string' ? `'${state}'` : typeof state}`,
      );
    }
  });
}

/**
 * Refuses a schedule name whose comparison key ({@link nameKey}: NFC, lower case) is longer
 * than {@link MAX_NAME_KEY_CHARS} characters: lower-casing lengthens a few letters (`İ`
 * becomes `i̇`), so a name within its own limit can fold to a key no store can hold.
 */
export function checkNameKey(field: string, name: string): void {
  const chars = [...nameKey(name)].length;
  if (chars > MAX_NAME_KEY_CHARS) {
    throw new ValidationError(
      field,
      `compares as ${chars} characters once lower-cased (some letters become two), over ${MAX_NAME_KEY_CHARS}`,
    );
  }
}

/** Refuses a text filter that is given but is not a string of at most `max` characters, or holds NUL. */
export function checkTextArgument(field: string, value: unknown, max: number): void {
  if (value === undefined) return;
  checkIdArgument(field, value);
  if (value.length > max) throw new ValidationError(field, `must be at most ${max} characters, got ${value.length}`);
}

/** Checks the input of `Datastore.scheduleList`: `states`, `nameContains`, `afterNameKey` and `limit`. */
export function checkScheduleListParams(
  params: { states?: unknown; nameContains?: unknown; afterNameKey?: unknown; limit?: unknown } | undefined,
): void {
  checkStatesArgument('states', params?.states, SCHEDULE_STATES);
  checkTextArgument('nameContains', params?.nameContains, MAX_NAME_KEY_CHARS);
  checkTextArgument('afterNameKey', params?.afterNameKey, MAX_NAME_KEY_CHARS);
  checkLimitArgument('limit', params?.limit);
}

/** Checks the input of `Datastore.scheduleListByClient`: `clientId` and `limit`. */
export function checkListByClientParams(params: { clientId?: unknown; limit?: unknown }): void {
  checkIdArgument('clientId', params.clientId);
  checkLimitArgument('limit', params.limit);
}

/** Checks the input of `Datastore.taskList`: `scheduleId`, `states`, `executor`, `jobsOnly`, `before` and `limit`. */
export function checkTaskListParams(
  params:
    | {
        scheduleId?: unknown;
        states?: unknown;
        executor?: unknown;
        jobsOnly?: unknown;
        before?: unknown;
        limit?: unknown;
      }
    | undefined,
): void {
  if (params?.scheduleId !== undefined) checkIdArgument('scheduleId', params.scheduleId);
  const jobsOnly = params?.jobsOnly;
  if (jobsOnly !== undefined && typeof jobsOnly !== 'boolean')
    throw new ValidationError('jobsOnly', `must be a boolean, got ${typeof jobsOnly}`);
  if (jobsOnly === true && params?.scheduleId !== undefined)
    throw new ValidationError(
      'jobsOnly',
      "lists the tasks with no schedule; it cannot be combined with a schedule's id",
    );
  checkStatesArgument('states', params?.states, TASK_STATES);
  checkTextArgument('executor', params?.executor, MAX_NAME_KEY_CHARS);
  const before = params?.before;
  if (before !== undefined) {
    if (typeof before !== 'object' || before === null) throw new ValidationError('before', 'must be { fireAt, id }');
    const { fireAt, id } = before as { fireAt?: unknown; id?: unknown };
    if (typeof fireAt !== 'number' || !Number.isSafeInteger(fireAt))
      throw new ValidationError(
        'before.fireAt',
        `must be a whole number (epoch ms), got ${typeof fireAt === 'number' ? fireAt : typeof fireAt}`,
      );
    checkIdArgument('before.id', id);
  }
  checkLimitArgument('limit', params?.limit);
}

/** Checks the input of `Datastore.taskStats`: two instants and a sample count from 0 to 10 000. */
export function checkTaskStatsParams(params: {
  endedSince?: unknown;
  startedSince?: unknown;
  latenessSamples?: unknown;
}): void {
  for (const field of ['endedSince', 'startedSince'] as const) {
    const v = params[field];
    if (typeof v !== 'number' || !Number.isSafeInteger(v))
      throw new ValidationError(
        field,
        `must be a whole number (epoch ms), got ${typeof v === 'number' ? v : typeof v}`,
      );
  }
  const n = params.latenessSamples;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || n > 10_000) {
    throw new ValidationError(
      'latenessSamples',
      `must be a whole number from 0 to 10 000, got ${typeof n === 'number' ? n : typeof n}`,
    );
  }
}

/** Checks the input of `Datastore.taskLogRead`: `taskId`, `afterSeq` (a whole number, 0 or more) and `limit`. */
export function checkTaskLogReadParams(params: { taskId?: unknown; afterSeq?: unknown; limit?: unknown }): void {
  checkIdArgument('taskId', params.taskId);
  const after = params.afterSeq;
  if (after !== undefined && (typeof after !== 'number' || !Number.isSafeInteger(after) || after < 0)) {
    throw new ValidationError(
      'afterSeq',
      `must be a whole number of at least 0, got ${typeof after === 'number' ? after : typeof after}`,
    );
  }
  checkLimitArgument('limit', params.limit);
}
