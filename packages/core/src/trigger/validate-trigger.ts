import { ValidationError } from '../errors/validation-error.js';
import { compileCron, cronFiresAtAll } from './cron-pattern.js';
import { checkCronSyntax } from './cron-syntax.js';
import { parseInstant, type InstantInput } from './instant-input.js';
import { canonicalTimeZone } from './time-zone-name.js';
import type { AfterRunTrigger, CronTrigger, IntervalTrigger, OnceTrigger, Trigger } from './trigger.js';

/** Shortest period of `interval` and delay of `after-run`: one second. */
export const MIN_PERIOD_MS = 1000;
/** Longest period or delay: 100 years of 365.25 days. */
export const MAX_PERIOD_MS = 100 * 365.25 * 86_400_000;

/**
 * A trigger as callers may write it: like {@link Trigger}, but instants (`at`, `anchor`,
 * `firstAt`) may also be ISO-8601 strings with an offset or `Z`.
 */
export type TriggerInput =
  | CronTrigger
  | (Omit<IntervalTrigger, 'anchor'> & { anchor?: InstantInput })
  | (Omit<OnceTrigger, 'at'> & { at: InstantInput })
  | (Omit<AfterRunTrigger, 'firstAt'> & { firstAt?: InstantInput });

const KEYS: Record<Trigger['kind'], readonly string[]> = {
  cron: ['kind', 'expr', 'tz'],
  interval: ['kind', 'everyMs', 'anchor'],
  once: ['kind', 'at'],
  'after-run': ['kind', 'delayMs', 'firstAt'],
};

function isKind(kind: unknown): kind is Trigger['kind'] {
  return typeof kind === 'string' && Object.hasOwn(KEYS, kind);
}

function period(input: unknown, field: string): number {
  if (typeof input !== 'number' || !Number.isInteger(input)) {
    throw new ValidationError(field, `must be a whole number of ms, got ${String(input)}`);
  }
  if (input < MIN_PERIOD_MS || input > MAX_PERIOD_MS) {
    throw new ValidationError(field, `${input} ms is outside ${MIN_PERIOD_MS} ms..100 years`);
  }
  return input;
}

/** Validate a cron expression: syntax, croner's own parse, and "fires at all". */
function cronExpr(input: unknown, field: string): string {
  if (typeof input !== 'string') throw new ValidationError(field, 'must be a cron expression string');
  const expr = checkCronSyntax(input, field);
  try {
    compileCron(expr);
  } catch (cause) {
    throw new ValidationError(field, cause instanceof Error ? cause.message : String(cause), { cause });
  }
  if (!cronFiresAtAll(expr)) {
    throw new ValidationError(field, `'${expr}' never fires (no date matches it)`);
  }
  return expr;
}

/**
 * Validate a trigger from untrusted input and return it in canonical form: cron expression
 * trimmed and single-spaced, zone resolved to its canonical name (`UTC` when absent), instants
 * as epoch ms. Unknown keys are refused.
 *
 * Cron: 5 fields or 6 (seconds first), classic syntax with month and weekday names, or a
 * nickname (`@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`); day-of-month and
 * day-of-week combine with OR when both are restricted. `L`, `W`, `#`, `?` and `@reboot` are
 * refused, as is an expression that matches no date (`0 0 30 2 *`).
 *
 * @param input - the trigger as given
 * @param field - dotted path of the trigger, for errors (`trigger.expr`, `trigger.tz`, ...)
 * @throws {@link ValidationError} naming the offending field
 *
 * @example
 * ```ts
 * validateTrigger({ kind: 'cron', expr: ' 0  9 * * MON-FRI', tz: 'europe/berlin' });
 * // { kind: 'cron', expr: '0 9 * * MON-FRI', tz: 'Europe/Berlin' }
 * ```
 */
export function validateTrigger(input: unknown, field = 'trigger'): Trigger {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError(field, 'must be an object with a kind');
  }
  const raw = input as Record<string, unknown>;
  if (!isKind(raw['kind'])) {
    throw new ValidationError(
      `${field}.kind`,
      `must be one of cron, interval, once, after-run; got ${String(raw['kind'])}`,
    );
  }
  const kind = raw['kind'];
  for (const key of Object.keys(raw)) {
    if (!KEYS[kind].includes(key)) throw new ValidationError(`${field}.${key}`, `unknown field of a ${kind} trigger`);
  }
  const optional = (key: string): unknown => (raw[key] === null ? undefined : raw[key]);
  switch (kind) {
    case 'cron': {
      const expr = cronExpr(raw['expr'], `${field}.expr`);
      const tz = optional('tz');
      return { kind, expr, tz: tz === undefined ? 'UTC' : canonicalTimeZone(tz, `${field}.tz`) };
    }
    case 'interval': {
      const everyMs = period(raw['everyMs'], `${field}.everyMs`);
      const anchor = optional('anchor');
      return anchor === undefined
        ? { kind, everyMs }
        : { kind, everyMs, anchor: parseInstant(anchor, `${field}.anchor`) };
    }
    case 'once':
      return { kind, at: parseInstant(raw['at'], `${field}.at`) };
    case 'after-run': {
      const delayMs = period(raw['delayMs'], `${field}.delayMs`);
      const firstAt = optional('firstAt');
      return firstAt === undefined
        ? { kind, delayMs }
        : { kind, delayMs, firstAt: parseInstant(firstAt, `${field}.firstAt`) };
    }
  }
}
