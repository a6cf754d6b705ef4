import { ValidationError } from '../errors/validation-error.js';
import type { ScheduleState } from '../model/schedule.js';
import { TERMINAL_TASK_STATES, type TaskState } from '../model/task.js';
import { nameKey } from './name-key.js';

/** Every schedule state, for checking a `states` filter. */
export const SCHEDULE_STATES: readonly ScheduleState[] = ['active', 'paused', 'retired', 'pending-validation', 'rejected', 'done'];

/** Every task state, for checking a `states` filter. */
export const TASK_STATES: readonly TaskState[] = ['pending', 'running', ...TERMINAL_TASK_STATES];

/** Longest schedule name key, in characters: the width of the name key column. */
export const MAX_NAME_KEY_CHARS = 200;

/**
 * Refuses an id or name that is not a string, or that holds NUL (which PostgreSQL refuses in
 * text): a {@link ValidationError} naming `field`, on every store alike.
 */
export function checkIdArgument(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') throw new ValidationError(field, `must be a string, got ${value === null ? 'null' : typeof value}`);
  if (value.includes('\u0000')) throw new ValidationError(field, 'contains NUL (\\u0000), which databases refuse');
}

/** Refuses a `limit` that is given but not a whole number of at least 1 (a {@link ValidationError} naming `field`). */
export function checkLimitArgument(field: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new ValidationError(field, `must be a whole number of at least 1, got ${typeof value === 'number' ? value : typeof value}`);
  }
}

/** Refuses a `states` filter that is given but is not a list of `allowed` states (a {@link ValidationError} naming `field`). */
export function checkStatesArgument(field: string, value: unknown, allowed: readonly string[]): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) throw new ValidationError(field, `must be a list of states (${allowed.join(', ')})`);
  value.forEach((state: unknown, i) => {
    if (typeof state !== 'string' || !allowed.includes(state)) {
      throw new ValidationError(`${field}[${i}]`, `must be one of ${allowed.join(', ')}, got ${typeof state === 'string' ? `'${state}'` : typeof state}`);
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
    throw new ValidationError(field, `compares as ${chars} characters once lower-cased (some letters become two), over ${MAX_NAME_KEY_CHARS}`);
  }
}

/** Checks the input of `Datastore.scheduleList`: `states` and `limit`. */
export function checkScheduleListParams(params: { states?: unknown; limit?: unknown } | undefined): void {
  checkStatesArgument('states', params?.states, SCHEDULE_STATES);
  checkLimitArgument('limit', params?.limit);
}

/** Checks the input of `Datastore.scheduleListByClient`: `clientId` and `limit`. */
export function checkListByClientParams(params: { clientId?: unknown; limit?: unknown }): void {
  checkIdArgument('clientId', params.clientId);
  checkLimitArgument('limit', params.limit);
}

/** Checks the input of `Datastore.taskList`: `scheduleId`, `states` and `limit`. */
export function checkTaskListParams(params: { scheduleId?: unknown; states?: unknown; limit?: unknown } | undefined): void {
  if (params?.scheduleId !== undefined) checkIdArgument('scheduleId', params.scheduleId);
  checkStatesArgument('states', params?.states, TASK_STATES);
  checkLimitArgument('limit', params?.limit);
}

/** Checks the input of `Datastore.taskLogRead`: `taskId`, `afterSeq` (a whole number, 0 or more) and `limit`. */
export function checkTaskLogReadParams(params: { taskId?: unknown; afterSeq?: unknown; limit?: unknown }): void {
  checkIdArgument('taskId', params.taskId);
  const after = params.afterSeq;
  if (after !== undefined && (typeof after !== 'number' || !Number.isSafeInteger(after) || after < 0)) {
    throw new ValidationError('afterSeq', `must be a whole number of at least 0, got ${typeof after === 'number' ? after : typeof after}`);
  }
  checkLimitArgument('limit', params.limit);
}
