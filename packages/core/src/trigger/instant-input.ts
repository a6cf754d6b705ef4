import { ValidationError } from '../errors/validation-error.js';

/** An instant as callers may write it: epoch ms, or an ISO-8601 string with an offset or `Z`. */
export type InstantInput = number | string;

/** Largest magnitude of an instant a `Date` can hold. */
const MAX_INSTANT = 8.64e15;

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Read an instant given as a whole number of epoch ms (within ±8.64e15, the `Date` range) or
 * as an ISO-8601 date-time with an explicit offset or `Z` (`2026-01-01T10:00:00+01:00`).
 * A string without an offset is refused: its meaning would depend on the server's zone.
 * Fractions below a millisecond are truncated.
 *
 * @param input - the value as given
 * @param field - dotted path for errors, such as `trigger.at`
 * @returns epoch ms
 * @throws {@link ValidationError} naming `field`
 */
export function parseInstant(input: unknown, field: string): number {
  if (typeof input === 'number') {
    if (!Number.isInteger(input)) throw new ValidationError(field, `${input} is not a whole number of epoch ms`);
    if (Math.abs(input) > MAX_INSTANT)
      throw new ValidationError(field, `${input} is outside the Date range ±8.64e15 ms`);
    return input;
  }
  if (typeof input !== 'string') {
    throw new ValidationError(field, 'must be epoch ms or an ISO-8601 string with an offset or Z');
  }
  const m = ISO.exec(input);
  if (m === null) {
    const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(input);
    throw new ValidationError(
      field,
      dateOnly
        ? `'${input}' needs a time and an offset or Z (such as '${input}T00:00:00Z')`
        : `'${input}' is not an ISO-8601 date-time (such as '2026-01-01T10:00:00Z')`,
    );
  }
  const [, y, mo, d, h, mi, s = '0', frac = '', zone] = m as unknown as [string, ...string[]];
  if (zone === undefined) {
    throw new ValidationError(field, `'${input}' needs an offset or Z: its meaning would depend on the server's zone`);
  }
  const fields = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  const [year, month, day, hour, minute, second] = fields;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, Number(frac.padEnd(3, '0').slice(0, 3)));
  const back = new Date(wall);
  if (
    back.getUTCFullYear() !== year ||
    back.getUTCMonth() !== month - 1 ||
    back.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw new ValidationError(field, `'${input}' is not a valid date-time`);
  }
  let offsetMs = 0;
  if (zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || '0');
    if (oh > 23 || om > 59) throw new ValidationError(field, `'${input}' has an invalid offset`);
    offsetMs = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  const instant = wall - offsetMs;
  if (!Number.isFinite(instant) || Math.abs(instant) > MAX_INSTANT) {
    throw new ValidationError(field, `'${input}' is outside the Date range`);
  }
  return instant;
}
