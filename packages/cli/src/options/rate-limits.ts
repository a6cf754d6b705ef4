import { ValidationError } from '@rookery/core';

/**
 * Parses repeated `EXECUTOR=N` or `EXECUTOR=N/s` values (starts per second) into a map; with
 * `allowOff`, `EXECUTOR=off` maps to null (a stored limit removed).
 *
 * @param field - the option's name, for errors
 * @param values - the option's values
 * @param allowOff - accept `off`
 * @throws ValidationError naming `field` for a malformed value or an executor named twice
 */
export function parseRateLimits(
  field: string,
  values: readonly string[],
  allowOff: boolean,
): Record<string, number | null> {
  const limits = new Map<string, number | null>();
  for (const value of values) {
    const match = /^(.+)=(?:(\d+)(?:\/s)?|(off))$/.exec(value.trim());
    const executor = match?.[1]?.trim();
    if (!match || !executor || (match[3] !== undefined && !allowOff)) {
      throw new ValidationError(
        field,
        `expected EXECUTOR=N or EXECUTOR=N/s (starts per second)${allowOff ? ' or EXECUTOR=off' : ''}, got '${value}'`,
      );
    }
    if (limits.has(executor)) throw new ValidationError(field, `executor '${executor}' is named twice`);
    const n = match[2] === undefined ? null : Number(match[2]);
    if (n !== null && (n < 1 || !Number.isSafeInteger(n)))
      throw new ValidationError(field, `the limit of '${executor}' must be a whole number ≥ 1, got '${match[2]}'`);
    limits.set(executor, n);
  }
  return Object.fromEntries(limits);
}
