import { nameKey } from '../datastore/name-key.js';
import { UnknownExecutorError } from '../errors/unknown-executor-error.js';
import { ValidationError } from '../errors/validation-error.js';
import { firstFireTime } from '../model/first-fire.js';
import type { Schedule } from '../model/schedule.js';
import { validateScheduleInput, type ScheduleInput, type ValidatedSchedule } from '../model/schedule-input.js';
import type { IdStrategy } from '../strategies/ids.js';
import type { StrategyRegistry } from '../strategies/registry.js';

/**
 * What {@link RookeryClient.updateSchedule} may change: any part of a schedule's definition.
 * A `startAt` or `endAt` of null removes that end of the window.
 */
export type ScheduleChanges = Partial<Pick<ScheduleInput, 'name' | 'executor' | 'payload' | 'trigger' | 'policies'>> & {
  /** New start of the window, or null for none. */
  startAt?: ScheduleInput['startAt'] | null;
  /** New end of the window, or null for none. */
  endAt?: ScheduleInput['endAt'] | null;
};

/** Options of {@link RookeryClient.createSchedule}. */
export interface CreateScheduleOptions {
  /** Accept an executor name no registered node offers yet (a schedule created ahead of its nodes). */
  force?: boolean;
}

/** Options of {@link RookeryClient.createSchedules}. */
export interface CreateSchedulesOptions extends CreateScheduleOptions {
  /** Schedules written per transaction, 1 to 10 000. @defaultValue 500 */
  batchSize?: number;
}

/** What planning a schedule needs from the client. */
export interface PlanningDeps {
  /** Named strategies a schedule may ask for. */
  strategies: StrategyRegistry;
  /** Primary keys. */
  ids: IdStrategy;
  /** Largest payload accepted, in bytes of JSON. */
  maxPayloadBytes: number;
  /** Accept cron expressions that fire at more than one second of a minute. */
  allowSecondsCron: boolean;
}

/**
 * Validates a schedule input as of `now` (the database clock) and checks that every strategy
 * its policies name is registered: a ValidationError naming the field otherwise.
 */
export function validateSchedule(deps: PlanningDeps, input: ScheduleInput, now: number): ValidatedSchedule {
  const valid = validateScheduleInput(input, {
    now,
    maxPayloadBytes: deps.maxPayloadBytes,
    allowSecondsCron: deps.allowSecondsCron,
  });
  const p = valid.policies;
  deps.strategies.get('duplicate', p.duplicate, 'policies.duplicate');
  deps.strategies.get('misfire', p.misfire, 'policies.misfire');
  deps.strategies.get('retry', p.retry.kind, 'policies.retry.kind');
  deps.strategies.get('taskCreation', p.taskCreation, 'policies.taskCreation');
  deps.strategies.get('delivery', p.delivery, 'policies.delivery');
  return valid;
}

/** Checks one input (not whether its executor exists) and builds its schedule row as of `now`. */
export function planSchedule(deps: PlanningDeps, input: ScheduleInput, now: number): Schedule {
  const valid = validateSchedule(deps, input, now);
  const p = valid.policies;
  const submitted = valid.clientId !== null;
  const first = submitted
    ? null
    : firstFireTime({ trigger: valid.trigger, startAt: valid.startAt, policies: p, createdAt: now }, now);
  return {
    id: deps.ids(now),
    name: valid.name,
    executor: valid.executor,
    payload: valid.payload,
    trigger: valid.trigger,
    startAt: valid.startAt,
    endAt: valid.endAt,
    policies: p,
    state: submitted ? 'pending-validation' : valid.paused ? 'paused' : 'active',
    clientId: valid.clientId,
    validation: null,
    nextFireAt: first,
    gateTaskId: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    fence: 0,
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * Plans every input as {@link planSchedule} does one: a bad one is a ValidationError whose
 * field starts with its index (`[3].trigger.everyMs`; `[5].name` for a name given twice).
 */
export function planSchedules(deps: PlanningDeps, inputs: readonly ScheduleInput[], now: number): Schedule[] {
  const names = new Map<string, number>();
  return inputs.map((input, i) => {
    let schedule: Schedule;
    try {
      schedule = planSchedule(deps, input, now);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      throw new ValidationError(`[${i}].${error.field}`, error.message.slice(error.field.length + 2), { cause: error });
    }
    const key = nameKey(schedule.name);
    const first = names.get(key);
    if (first !== undefined)
      throw new ValidationError(
        `[${i}].name`,
        `'${schedule.name}' is the name of input ${first} too (names compare after NFC normalisation and case folding)`,
      );
    names.set(key, i);
    return schedule;
  });
}

/**
 * The input a schedule's definition becomes with `changes`: policies merged into the current
 * ones (a `retry` or `dst` given replaces that part), a window end of null removed.
 */
export function mergeChanges(current: Schedule, changes: ScheduleChanges): ScheduleInput {
  const startAt = changes.startAt === undefined ? current.startAt : changes.startAt;
  const endAt = changes.endAt === undefined ? current.endAt : changes.endAt;
  return {
    ...(startAt !== null ? { startAt } : {}),
    ...(endAt !== null ? { endAt } : {}),
    name: changes.name ?? current.name,
    executor: changes.executor ?? current.executor,
    payload: changes.payload === undefined ? current.payload : changes.payload,
    trigger: changes.trigger ?? current.trigger,
    policies: {
      ...current.policies,
      ...changes.policies,
      retry: { ...current.policies.retry, ...changes.policies?.retry },
      dst: { ...current.policies.dst, ...changes.policies?.dst },
    },
  };
}

/**
 * Refuses the first of `schedules` (not submitted for validation) whose executor is not in
 * `known`: a ValidationError on `[i].executor`.
 */
export function checkScheduleExecutors(schedules: readonly Schedule[], known: readonly string[]): void {
  const unknown = schedules.findIndex((s) => s.clientId === null && !known.includes(s.executor));
  const schedule = schedules[unknown];
  if (!schedule) return;
  const error = new UnknownExecutorError(schedule.executor, [...known]);
  throw new ValidationError(`[${unknown}].${error.field}`, error.message.slice(error.field.length + 2), {
    cause: error,
  });
}
