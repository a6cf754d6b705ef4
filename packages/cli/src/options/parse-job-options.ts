import { ValidationError } from '@rookery/core';
import type {
  DuplicatePolicyName,
  Json,
  MisfirePolicyName,
  RookeryClient,
  ScheduleInput as CoreScheduleInput,
} from '@rookery/core';
import { parseDuration, parseInteger } from './duration.js';

/** What `RookeryClient.createSchedule` takes with the executor given by name (core's `ScheduleInput`). */
export type ScheduleInput = CoreScheduleInput;

/** The trigger options of `rookery job add` and `job update`. */
type TriggerOptions = Pick<JobAddOptions, 'cron' | 'tz' | 'every' | 'at' | 'afterRun'>;
/** The policy options of `rookery job add` and `job update`. */
type PolicyOptions = Pick<JobAddOptions, 'duplicate' | 'misfire' | 'retries' | 'backoff' | 'timeout' | 'priority'>;

/** The options of `rookery job add`, as commander hands them over (all strings). */
export interface JobAddOptions {
  /** Unique schedule name. */
  name: string;
  /** Executor name. */
  exec: string;
  /** Cron expression, 5 or 6 fields. */
  cron?: string;
  /** IANA zone of `cron`. */
  tz?: string;
  /** Interval duration. */
  every?: string;
  /** One instant, ISO-8601. */
  at?: string;
  /** Delay after the previous run ends. */
  afterRun?: string;
  /** JSON payload. */
  payload?: string;
  /** Duplicate (overlap) policy name. */
  duplicate?: string;
  /** Misfire policy name. */
  misfire?: string;
  /** Retries after the first attempt. */
  retries?: string;
  /** `fixed:DURATION` or `exponential:DURATION`. */
  backoff?: string;
  /** Attempt timeout. */
  timeout?: string;
  /** Priority among tasks due at once. */
  priority?: string;
  /** Create the schedule paused. */
  paused?: boolean;
  /** Submit for asynchronous validation by the cluster as this client. */
  client?: string;
}

function parseTrigger(o: TriggerOptions): ScheduleInput['trigger'];
function parseTrigger(o: TriggerOptions, optional: true): ScheduleInput['trigger'] | undefined;
function parseTrigger(o: TriggerOptions, optional = false): ScheduleInput['trigger'] | undefined {
  const given = (['cron', 'every', 'at', 'afterRun'] as const).filter((k) => o[k] !== undefined);
  if (optional && given.length === 0) {
    if (o.tz !== undefined) throw new ValidationError('tz', '--tz applies only to --cron');
    return undefined;
  }
  if (given.length !== 1) {
    throw new ValidationError(
      'trigger',
      `give exactly one of --cron, --every, --at, --after-run (got ${given.length === 0 ? 'none' : given.map(flag).join(', ')})`,
    );
  }
  if (o.tz !== undefined && o.cron === undefined) throw new ValidationError('tz', '--tz applies only to --cron');
  if (o.cron !== undefined) return { kind: 'cron', expr: o.cron, ...(o.tz !== undefined ? { tz: o.tz } : {}) };
  if (o.every !== undefined) return { kind: 'interval', everyMs: parseDuration('every', o.every) };
  if (o.afterRun !== undefined) return { kind: 'after-run', delayMs: parseDuration('after-run', o.afterRun) };
  return { kind: 'once', at: o.at ?? '' };
}

/**
 * The examples the help of `--every` and `--after-run` shows: each is accepted, and so is any
 * duration from the trigger's shortest period (`MIN_PERIOD_MS`, 1s) to 100 years; a shorter
 * one is refused by the trigger's validation, named by the option.
 */
export const PERIOD_EXAMPLES = ['30s', '5m', '1.5h', '1d'] as const;

function flag(key: 'cron' | 'every' | 'at' | 'afterRun'): string {
  return key === 'afterRun' ? '--after-run' : `--${key}`;
}

/** Reads `--payload`: JSON, or a ValidationError naming `payload`. */
export function parsePayload(text: string | undefined): Json | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Json;
  } catch (err) {
    throw new ValidationError('payload', `not valid JSON: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

/** Reads `--retries` and `--backoff` into a retry policy; undefined when neither is given. */
export function parseRetry(
  o: Pick<PolicyOptions, 'retries' | 'backoff'>,
): NonNullable<ScheduleInput['policies']>['retry'] | undefined {
  if (o.retries === undefined) {
    if (o.backoff !== undefined) throw new ValidationError('retries', '--backoff needs --retries N');
    return undefined;
  }
  const retries = parseInteger('retries', o.retries, 0, 1_000);
  if (retries === 0) return { kind: 'none', maxAttempts: 1 };
  const backoff = o.backoff ?? 'fixed:1s';
  const m = /^(fixed|exponential):(.+)$/.exec(backoff);
  if (!m || m[1] === undefined || m[2] === undefined) {
    throw new ValidationError('backoff', `expected fixed:DURATION or exponential:DURATION, got '${backoff}'`);
  }
  return { kind: m[1] as 'fixed' | 'exponential', maxAttempts: retries + 1, delayMs: parseDuration('backoff', m[2]) };
}

/**
 * Turns the options of `rookery job add` into a schedule input. Checks only what the command
 * line owns (one trigger, durations, JSON, numbers); everything else is validated by
 * `RookeryClient.createSchedule`, before anything is written.
 *
 * @param o - the options as typed
 * @throws ValidationError naming the option (`trigger`, `every`, `payload`, `retries`, `backoff`, `timeout`, ...)
 * @example
 * ```ts
 * parseJobOptions({ name: 'tick', exec: 'send-report', every: '5m', retries: '3', backoff: 'exponential:1s' });
 * ```
 */
export function parseJobOptions(o: JobAddOptions): ScheduleInput {
  const trigger = parseTrigger(o);
  const payload = parsePayload(o.payload);
  const policies = parsePolicies(o);
  return {
    name: o.name,
    executor: o.exec,
    trigger,
    ...(payload !== undefined ? { payload } : {}),
    ...(Object.keys(policies).length ? { policies } : {}),
    ...(o.paused ? { paused: true } : {}),
    ...(o.client !== undefined ? { clientId: o.client } : {}),
  };
}

function parsePolicies(o: PolicyOptions): NonNullable<ScheduleInput['policies']> {
  const policies: NonNullable<ScheduleInput['policies']> = {};
  if (o.duplicate !== undefined) policies.duplicate = o.duplicate as DuplicatePolicyName;
  if (o.misfire !== undefined) policies.misfire = o.misfire as MisfirePolicyName;
  const retry = parseRetry(o);
  if (retry) policies.retry = retry;
  if (o.timeout !== undefined) policies.timeoutMs = parseDuration('timeout', o.timeout);
  if (o.priority !== undefined) policies.priority = parseInteger('priority', o.priority, -1_000_000, 1_000_000);
  return policies;
}

/** The options of `rookery job update`, as commander hands them over: every one optional. */
export type JobUpdateOptions = Partial<Omit<JobAddOptions, 'name' | 'paused' | 'client'>> & {
  /** A new name. */
  rename?: string;
};

/** What `RookeryClient.updateSchedule` takes (core's `ScheduleChanges`). */
export type ScheduleChanges = Parameters<RookeryClient['updateSchedule']>[1];

/**
 * Turns the options of `rookery job update` into the changes to make: only what was given. At
 * most one trigger; the rest is validated by `RookeryClient.updateSchedule`, before anything
 * is written.
 *
 * @throws ValidationError naming the option, or `changes` when none was given
 */
export function parseJobChanges(o: JobUpdateOptions): ScheduleChanges {
  const trigger = parseTrigger(o, true);
  const payload = parsePayload(o.payload);
  const policies = parsePolicies(o);
  const changes: ScheduleChanges = {
    ...(o.rename !== undefined ? { name: o.rename } : {}),
    ...(o.exec !== undefined ? { executor: o.exec } : {}),
    ...(trigger !== undefined ? { trigger } : {}),
    ...(payload !== undefined ? { payload } : {}),
    ...(Object.keys(policies).length ? { policies } : {}),
  };
  if (Object.keys(changes).length === 0)
    throw new ValidationError(
      'changes',
      'nothing to change: give a trigger, --payload, --exec, --rename or a policy option',
    );
  return changes;
}
