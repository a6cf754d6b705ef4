import type { Datastore, TaskListPosition } from '../datastore/datastore.js';
import { nameKey } from '../datastore/name-key.js';
import {
  checkLimitArgument,
  checkScheduleListParams,
  checkTaskListParams,
  checkTextArgument,
} from '../datastore/read-params.js';
import { ValidationError } from '../errors/validation-error.js';
import type { Schedule, ScheduleState } from '../model/schedule.js';
import type { Task, TaskState } from '../model/task.js';

/** One page of a list: its items and the cursor of the next page (null on the last page). */
export interface Page<Item> {
  /** The items of this page, in the list's order. */
  items: Item[];
  /** Hand this back as `cursor` for the next page; null when there is none. */
  nextCursor: string | null;
}

/** Filters and position of `RookeryClient.pageSchedules`. */
export interface SchedulePageParams {
  /** Only schedules in these states. */
  states?: ScheduleState[];
  /** Only schedules whose name contains this text, ignoring case. */
  q?: string;
  /** Schedules per page. @defaultValue 50 */
  limit?: number;
  /** The `nextCursor` of the previous page; left out for the first. */
  cursor?: string;
}

/** Filters and position of `RookeryClient.pageTasks`. */
export interface TaskPageParams {
  /** Only this schedule's tasks (its ledger): id or name. */
  schedule?: string;
  /** Only tasks in these states. */
  states?: TaskState[];
  /** Only tasks of this executor. */
  executor?: string;
  /** Only jobs: tasks enqueued with no schedule (not with `schedule`). @defaultValue false */
  jobsOnly?: boolean;
  /** Tasks per page. @defaultValue 50 */
  limit?: number;
  /** The `nextCursor` of the previous page; left out for the first. */
  cursor?: string;
}

/** Longest cursor accepted, in characters. */
const MAX_CURSOR_CHARS = 1_000;

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function decode(cursor: unknown): unknown {
  checkTextArgument('cursor', cursor, MAX_CURSOR_CHARS);
  try {
    return JSON.parse(Buffer.from(cursor as string, 'base64url').toString('utf8')) as unknown;
  } catch {
    throw new ValidationError('cursor', 'is not a cursor this list handed out');
  }
}

/** The name key a schedule cursor holds. */
function scheduleCursorKey(cursor: string): string {
  const value = decode(cursor);
  if (typeof value !== 'object' || value === null || typeof (value as { n?: unknown }).n !== 'string') {
    throw new ValidationError('cursor', 'is not a cursor of the schedule list');
  }
  return (value as { n: string }).n;
}

/** The task position a task cursor holds. */
function taskCursorPosition(cursor: string): TaskListPosition {
  const value = decode(cursor) as { f?: unknown; i?: unknown } | null;
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof value.f !== 'number' ||
    !Number.isSafeInteger(value.f) ||
    typeof value.i !== 'string'
  ) {
    throw new ValidationError('cursor', 'is not a cursor of the task list');
  }
  return { fireAt: value.f, id: value.i };
}

/** Reads one page of schedules by name: one more row than asked tells whether a next page exists. */
export async function pageSchedules(datastore: Datastore, params: SchedulePageParams): Promise<Page<Schedule>> {
  const limit = params.limit ?? 50;
  checkLimitArgument('limit', limit);
  const after = params.cursor === undefined ? undefined : scheduleCursorKey(params.cursor);
  const query = {
    ...(params.states ? { states: params.states } : {}),
    ...(params.q !== undefined && params.q !== '' ? { nameContains: params.q } : {}),
    ...(after !== undefined ? { afterNameKey: after } : {}),
    limit: limit + 1,
  };
  try {
    checkScheduleListParams(query);
  } catch (error) {
    if (error instanceof ValidationError && error.field === 'nameContains')
      throw new ValidationError('q', error.message.slice(error.field.length + 2), { cause: error });
    throw error;
  }
  const rows = await datastore.scheduleList(query);
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encode({ n: nameKey(last.name) }) : null };
}

/**
 * Reads one page of tasks, newest fire time first; `scheduleId` is the schedule's id, already
 * looked up. One more row than asked tells whether a next page exists.
 */
export async function pageTasks(
  datastore: Datastore,
  params: Omit<TaskPageParams, 'schedule'> & { scheduleId?: string },
): Promise<Page<Task>> {
  const limit = params.limit ?? 50;
  checkLimitArgument('limit', limit);
  const before = params.cursor === undefined ? undefined : taskCursorPosition(params.cursor);
  const query = {
    ...(params.scheduleId !== undefined ? { scheduleId: params.scheduleId } : {}),
    ...(params.states ? { states: params.states } : {}),
    ...(params.executor !== undefined ? { executor: params.executor } : {}),
    ...(params.jobsOnly !== undefined ? { jobsOnly: params.jobsOnly } : {}),
    ...(before ? { before } : {}),
    limit: limit + 1,
  };
  checkTaskListParams(query);
  const rows = await datastore.taskList(query);
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encode({ f: last.fireAt, i: last.id }) : null };
}
