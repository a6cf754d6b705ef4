import type { Datastore } from '../datastore/datastore.js';
import { nameKey } from '../datastore/name-key.js';
import { DuplicateKeyError } from '../errors/duplicate-key-error.js';
import { InvalidStateError } from '../errors/invalid-state-error.js';
import { UnknownExecutorError } from '../errors/unknown-executor-error.js';
import { ValidationError } from '../errors/validation-error.js';
import { plainScheduleInput, type AnyScheduleInput } from '../executor/typed-executor.js';
import type { Schedule } from '../model/schedule.js';
import { validateScheduleInput, type ScheduleInput, type ValidatedSchedule } from '../model/schedule-input.js';
import type { CreateScheduleOptions, RookeryClient } from './rookery-client.js';

/** What {@link upsertSchedule} did: stored a new schedule, changed the one of that name, or nothing. */
export type UpsertOutcome = 'created' | 'updated' | 'unchanged';

/** What {@link syncSchedules} did to one schedule: an {@link UpsertOutcome}, or `deleted` by `prune`. */
export type SyncOutcome = UpsertOutcome | 'deleted';

/** Result of {@link upsertSchedule}. */
export interface UpsertResult {
  /** What was done. */
  outcome: UpsertOutcome;
  /** The schedule as stored now. */
  schedule: Schedule;
}

/** One line of the result of {@link syncSchedules}. */
export interface SyncedSchedule {
  /** The schedule's name, as stored. */
  name: string;
  /** What was done to it. */
  outcome: SyncOutcome;
  /** The schedule as stored now (for `deleted`, as it was before). */
  schedule: Schedule;
}

/** Options of {@link syncSchedules}. */
export interface SyncSchedulesOptions extends CreateScheduleOptions {
  /**
   * Delete every stored schedule whose name is not in the list, with its ledger, whatever its
   * state. Only for a list that declares all of a cluster's schedules. @defaultValue false
   */
  prune?: boolean;
  /**
   * Write nothing: check every input as a real sync would (the same errors), and answer what
   * it would do to each schedule. The `schedule` of a line is then the schedule as it would be
   * stored (a created one with an id that is not stored). @defaultValue false
   */
  dryRun?: boolean;
}

/** Builds the schedule row an input would be stored as, checked as the client checks it. */
export type PlanSchedule = (input: ScheduleInput, now: number) => Schedule;

/** Most stored schedules that `prune` looks through. */
const PRUNE_SCAN_LIMIT = 1_000_000;

/** The parts of a schedule that an upsert compares and writes. */
type Definition = Pick<
  ValidatedSchedule,
  'name' | 'executor' | 'payload' | 'trigger' | 'startAt' | 'endAt' | 'policies'
>;

/**
 * Checks a schedule input as the client will, without the payload size limit (the client
 * applies its own when it writes), and refuses a `clientId`: an upsert stores schedules itself.
 */
function definitionOf(input: ScheduleInput, now: number): Definition {
  const valid = validateScheduleInput(input, { now, maxPayloadBytes: Number.POSITIVE_INFINITY });
  if (valid.clientId !== null)
    throw new ValidationError(
      'clientId',
      'an upsert stores the schedule itself; submit schedules for validation with createSchedule',
    );
  const { name, executor, payload, trigger, startAt, endAt, policies } = valid;
  return { name, executor, payload, trigger, startAt, endAt, policies };
}

/** Deep equality of JSON-like values; key order and keys holding `undefined` do not count. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  for (const key of keys) if (!sameJson(ra[key], rb[key])) return false;
  return true;
}

function sameDefinition(current: Schedule, wanted: Definition): boolean {
  const { name, executor, payload, trigger, startAt, endAt, policies } = current;
  return sameJson({ name, executor, payload, trigger, startAt, endAt, policies }, wanted);
}

/**
 * What an upsert of `plain` would do, writing nothing: the outcome and the schedule as it
 * would be stored. Refuses what the upsert would refuse (a changed schedule that is not active
 * or paused).
 */
async function dryUpsert(
  datastore: Datastore,
  plain: ScheduleInput,
  plan: PlanSchedule,
  now: number,
): Promise<UpsertResult> {
  const planned = plan(plain, now);
  const wanted = definitionOf(plain, now);
  const current = await datastore.scheduleGetByName(wanted.name);
  if (!current) return { outcome: 'created', schedule: planned };
  if (sameDefinition(current, wanted)) return { outcome: 'unchanged', schedule: current };
  if (current.state !== 'active' && current.state !== 'paused') {
    throw new InvalidStateError(
      'schedule',
      current.id,
      current.state,
      `schedule '${current.name}' is ${current.state} and cannot change (only active and paused schedules can)`,
    );
  }
  return { outcome: 'updated', schedule: { ...current, ...wanted, nextFireAt: planned.nextFireAt } };
}

/**
 * Creates the schedule of `input`'s name, updates it when its definition differs (name
 * spelling, executor, payload, trigger, window, policies), or leaves it alone. See
 * {@link RookeryClient.upsertSchedule}.
 */
export async function upsertSchedule(
  client: RookeryClient,
  datastore: Datastore,
  input: AnyScheduleInput,
  options: CreateScheduleOptions = {},
): Promise<UpsertResult> {
  const plain = await plainScheduleInput(input);
  // Two processes upserting a new name at once: the one whose create loses the race finds the
  // winner's schedule on its second pass and compares against it.
  for (let pass = 1; ; pass += 1) {
    const wanted = definitionOf(plain, await datastore.clockNow());
    const current = await datastore.scheduleGetByName(wanted.name);
    if (!current) {
      try {
        return { outcome: 'created', schedule: await client.createSchedule(plain, options) };
      } catch (error) {
        if (pass === 1 && error instanceof DuplicateKeyError && error.field === 'name') continue;
        throw error;
      }
    }
    if (sameDefinition(current, wanted)) return { outcome: 'unchanged', schedule: current };
    const { startAt, endAt, ...rest } = wanted;
    return {
      outcome: 'updated',
      schedule: await client.updateSchedule(current.id, { ...rest, startAt, endAt }, options),
    };
  }
}

/** Prefixes a ValidationError's field with the index of the input it is about. */
function atIndex(i: number, error: unknown): unknown {
  return error instanceof ValidationError
    ? new ValidationError(`[${i}].${error.field}`, error.message.slice(error.field.length + 2), { cause: error })
    : error;
}

/**
 * Upserts every schedule of `inputs`, in order, and with `prune` deletes the stored ones not
 * among them. See {@link RookeryClient.syncSchedules}.
 */
export async function syncSchedules(
  client: RookeryClient,
  datastore: Datastore,
  inputs: readonly AnyScheduleInput[],
  options: SyncSchedulesOptions,
  plan: PlanSchedule,
): Promise<SyncedSchedule[]> {
  const now = await datastore.clockNow();
  const plains: ScheduleInput[] = [];
  const names = new Map<string, number>();
  for (const [i, input] of inputs.entries()) {
    try {
      const plain = await plainScheduleInput(input);
      const key = nameKey(definitionOf(plain, now).name);
      const first = names.get(key);
      if (first !== undefined)
        throw new ValidationError(
          'name',
          `'${plain.name}' is the name of input ${first} too (names compare after NFC normalisation and case folding)`,
        );
      names.set(key, i);
      plains.push(plain);
    } catch (error) {
      throw atIndex(i, error);
    }
  }
  if (!options.force) {
    const known = await client.knownExecutors();
    const unknown = plains.findIndex((p) => !known.includes(p.executor));
    if (unknown >= 0) throw atIndex(unknown, new UnknownExecutorError(plains[unknown]?.executor ?? '', known));
  }
  const synced: SyncedSchedule[] = [];
  // A dry pass first: every input is planned and compared with its stored schedule (a changed
  // one that is not active or paused is refused) before anything is written.
  const dry: UpsertResult[] = [];
  for (const [i, plain] of plains.entries()) {
    try {
      dry.push(await dryUpsert(datastore, plain, plan, now));
    } catch (error) {
      throw atIndex(i, error);
    }
  }
  if (options.dryRun) {
    synced.push(...dry.map(({ outcome, schedule }) => ({ name: schedule.name, outcome, schedule })));
  } else {
    for (const [i, plain] of plains.entries()) {
      try {
        const { outcome, schedule } = await upsertSchedule(client, datastore, plain, options);
        synced.push({ name: schedule.name, outcome, schedule });
      } catch (error) {
        throw atIndex(i, error);
      }
    }
  }
  if (options.prune) {
    for (const schedule of await datastore.scheduleList({ limit: PRUNE_SCAN_LIMIT })) {
      if (names.has(nameKey(schedule.name))) continue;
      if (!options.dryRun) await client.deleteSchedule(schedule.id);
      synced.push({ name: schedule.name, outcome: 'deleted', schedule });
    }
  }
  return synced;
}
