import {
  DuplicateKeyError,
  gateReleaseOf,
  type Schedule,
  type ScheduleListParams,
  type ScheduleSetStateParams,
} from '@rookery/core';
import { nameKey, scheduleFromRow, toJsonText } from './row-mapping.js';
import type { CallerTransaction } from './caller-transaction.js';
import type { SqlContext } from './sql-context.js';
import { markOnceSchedulesDone } from './schedules-done.js';
import { withdrawPlannedTasks } from './schedules-withdraw.js';

const COLUMNS = [
  'id',
  'name',
  'name_key',
  'executor',
  'payload',
  'trigger_json',
  'start_at',
  'end_at',
  'policies',
  'duplicate_policy',
  'state',
  'client_id',
  'validated_by',
  'validated_at',
  'rejected_field',
  'rejected_reason',
  'next_fire_at',
  'gate_task_id',
  'gate_release',
  'after_run_delay_ms',
  'slot_task_id',
  'slot_expires_at',
  'lease_owner',
  'lease_expires_at',
  'fence',
  'version',
  'created_at',
  'updated_at',
] as const;

/** Which event releases a gate, from the schedule's task creation policy. */
export function gateRelease(schedule: Pick<Schedule, 'policies'>, gateTaskId: string | null): 'start' | 'end' | null {
  if (gateTaskId === null) return null;
  return gateReleaseOf(schedule.policies.taskCreation);
}

/** The column values of a new schedule's row. */
function rowValues(schedule: Schedule): Record<(typeof COLUMNS)[number], unknown> {
  const name = schedule.name.normalize('NFC');
  return {
    id: schedule.id,
    name,
    name_key: nameKey(name),
    executor: schedule.executor,
    payload: toJsonText(schedule.payload),
    trigger_json: toJsonText(schedule.trigger),
    start_at: schedule.startAt,
    end_at: schedule.endAt,
    policies: toJsonText(schedule.policies),
    duplicate_policy: schedule.policies.duplicate,
    state: schedule.state,
    client_id: schedule.clientId,
    validated_by: schedule.validation?.by ?? null,
    validated_at: schedule.validation?.at ?? null,
    rejected_field: schedule.validation?.field ?? null,
    rejected_reason: schedule.validation?.reason ?? null,
    next_fire_at: schedule.nextFireAt,
    gate_task_id: schedule.gateTaskId,
    gate_release: gateRelease(schedule, schedule.gateTaskId),
    after_run_delay_ms: schedule.trigger.kind === 'after-run' ? schedule.trigger.delayMs : null,
    slot_task_id: null,
    slot_expires_at: null,
    lease_owner: schedule.leaseOwner,
    lease_expires_at: schedule.leaseExpiresAt,
    fence: schedule.fence,
    version: 0,
    created_at: schedule.createdAt,
    updated_at: schedule.updatedAt,
  };
}

/** A refused name as a DuplicateKeyError on `name` that states the rule; any other error as it is. */
function nameTaken(error: unknown, what: string): unknown {
  if (!(error instanceof DuplicateKeyError) || error.field !== 'name') return error;
  return new DuplicateKeyError(
    'name',
    `${what} already exists (names compare after NFC normalisation and case folding)`,
    { cause: error.cause },
  );
}

/**
 * Inserts a schedule; a taken name (NFC, case-folded) is a DuplicateKeyError on `name`. In a
 * caller's transaction (`caller`), on the caller's connection.
 */
export async function scheduleCreate(
  ctx: SqlContext,
  schedule: Schedule,
  caller?: CallerTransaction,
): Promise<Schedule> {
  const values = rowValues(schedule);
  const insert = async (): Promise<Schedule> => {
    await ctx.write(
      `INSERT INTO rookery_schedules (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `:${c}`).join(', ')})`,
      values,
      caller,
    );
    const rows = await ctx.select('SELECT * FROM rookery_schedules WHERE id = :id', { id: schedule.id }, caller);
    return scheduleFromRow(rows[0] ?? {});
  };
  try {
    return await (caller ? ctx.inCaller('create schedule', insert) : ctx.single('create schedule', insert));
  } catch (error) {
    throw nameTaken(error, `a schedule named '${values.name as string}'`);
  }
}

/** Rows per INSERT statement of {@link scheduleCreateMany}. */
const ROWS_PER_INSERT = 100;

/**
 * Inserts many schedules in one transaction, {@link ROWS_PER_INSERT} rows per statement: all
 * or none. A taken name (NFC, case-folded) is a DuplicateKeyError on `name`.
 */
export async function scheduleCreateMany(ctx: SqlContext, schedules: readonly Schedule[]): Promise<number> {
  if (schedules.length === 0) return 0;
  try {
    return await ctx.transaction('create schedules', async (tx) => {
      for (let from = 0; from < schedules.length; from += ROWS_PER_INSERT) {
        const chunk = schedules.slice(from, from + ROWS_PER_INSERT);
        const replacements: Record<string, unknown> = {};
        const tuples = chunk.map((schedule, i) => {
          const values = rowValues(schedule);
          for (const c of COLUMNS) replacements[`r${i}_${c}`] = values[c];
          return `(${COLUMNS.map((c) => `:r${i}_${c}`).join(', ')})`;
        });
        await ctx.write(
          `INSERT INTO rookery_schedules (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`,
          replacements,
          tx,
        );
      }
      return schedules.length;
    });
  } catch (error) {
    throw nameTaken(error, `a schedule named like one of the ${schedules.length} in the batch`);
  }
}

/** Reads one schedule by id. */
export async function scheduleGet(ctx: SqlContext, id: string): Promise<Schedule | undefined> {
  return ctx.single('read schedule', async () => {
    const rows = await ctx.select('SELECT * FROM rookery_schedules WHERE id = :id', { id });
    return rows[0] ? scheduleFromRow(rows[0]) : undefined;
  });
}

/** Reads one schedule by name, NFC-normalised and case-folded. */
export async function scheduleGetByName(ctx: SqlContext, name: string): Promise<Schedule | undefined> {
  return ctx.single('read schedule by name', async () => {
    const rows = await ctx.select('SELECT * FROM rookery_schedules WHERE name_key = :key', { key: nameKey(name) });
    return rows[0] ? scheduleFromRow(rows[0]) : undefined;
  });
}

/** Lists schedules ordered by name key (byte order of the folded name, identical on every dialect). */
export async function scheduleList(ctx: SqlContext, params: ScheduleListParams = {}): Promise<Schedule[]> {
  if (params.states?.length === 0) return [];
  const where = [
    ...(params.states ? ['state IN (:states)'] : []),
    ...(params.afterNameKey !== undefined ? ['name_key > :after'] : []),
    ...(params.nameContains !== undefined ? ["name_key LIKE :pattern ESCAPE '!'"] : []),
  ];
  const sql = `SELECT * FROM rookery_schedules${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY name_key${ctx.dialect.limitClause()}`;
  return ctx.single('list schedules', async () => {
    const rows = await ctx.select(sql, {
      states: params.states ?? [],
      after: params.afterNameKey ?? null,
      pattern: params.nameContains === undefined ? null : containsPattern(nameKey(params.nameContains)),
      limit: params.limit ?? 100,
    });
    return rows.map(scheduleFromRow);
  });
}

/**
 * A LIKE pattern (escape character `!`) matching text that contains `text`: the wildcards of
 * every dialect (`%`, `_`, and SQL Server's `[`) and the escape character itself are escaped.
 */
export function containsPattern(text: string): string {
  return `%${text.replace(/[!%_[]/g, (c) => `!${c}`)}%`;
}

/**
 * Sets a schedule's state (and next fire time), changing only an active or paused one (never
 * a retired, pending-validation or rejected one). Takes the
 * schedule's lease away (fence + 1), so a peel under way writes nothing after the change.
 * Pausing or retiring withdraws every planned task that has not started, due or not
 * ({@link withdrawPlannedTasks}), in the same transaction; resuming a `once` schedule whose
 * run is over makes it `done`.
 */
export async function scheduleSetState(ctx: SqlContext, params: ScheduleSetStateParams): Promise<Schedule | undefined> {
  const setNext = params.nextFireAt !== undefined ? ' next_fire_at = :nextFireAt,' : '';
  return ctx.transaction('set schedule state', async (tx) => {
    const now = await ctx.now(params.now, tx);
    const changed = await ctx.write(
      `UPDATE rookery_schedules SET state = :state,${setNext} fence = fence + 1, lease_owner = NULL, lease_expires_at = NULL,` +
        ' version = version + 1, updated_at = :now' +
        " WHERE id = :id AND state IN ('active', 'paused')",
      { id: params.id, state: params.state, nextFireAt: params.nextFireAt ?? null, now },
      tx,
    );
    if (changed === 0) return undefined;
    if (params.state === 'paused' || params.state === 'retired')
      await withdrawPlannedTasks(ctx, tx, params.id, now, 'all');
    else await markOnceSchedulesDone(ctx, tx, [params.id], now);
    const rows = await ctx.select('SELECT * FROM rookery_schedules WHERE id = :id', { id: params.id }, tx);
    return rows[0] ? scheduleFromRow(rows[0]) : undefined;
  });
}

/**
 * Deletes a schedule with its tasks, their events, logs and execution reports, in one transaction. The schedule
 * row goes first: that waits for a peel under way to commit (its row lock), so the tasks it
 * wrote are deleted too, and a later peel of the schedule matches nothing.
 */
export async function scheduleDelete(ctx: SqlContext, id: string): Promise<boolean> {
  return ctx.transaction('delete schedule', async (tx) => {
    const existed = (await ctx.write('DELETE FROM rookery_schedules WHERE id = :id', { id }, tx)) > 0;
    const ofSchedule = 'task_id IN (SELECT id FROM rookery_tasks WHERE schedule_id = :id)';
    await ctx.write(`DELETE FROM rookery_task_events WHERE ${ofSchedule}`, { id }, tx);
    await ctx.write(`DELETE FROM rookery_task_logs WHERE ${ofSchedule}`, { id }, tx);
    await ctx.write(`DELETE FROM rookery_execution_reports WHERE ${ofSchedule}`, { id }, tx);
    await ctx.write('DELETE FROM rookery_tasks WHERE schedule_id = :id', { id }, tx);
    return existed;
  });
}
