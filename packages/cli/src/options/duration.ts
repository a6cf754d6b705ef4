import { ValidationError } from '@rookery/core';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/**
 * Parses a duration such as `500ms`, `1s`, `1.5s`, `5m`, `1h` or `1d` into whole milliseconds.
 * Strict on purpose: a unit is required, there is no sign, no space and no compound form, so a
 * typo is refused instead of being read as something else.
 *
 * @param field - the option being parsed, named in the error (`every`, `timeout`)
 * @param text - what the user typed
 * @returns the duration in milliseconds, a whole number ≥ 0
 * @throws ValidationError on `field` for anything else (negative, unitless, fractional ms)
 * @example
 * ```ts
 * parseDuration('every', '5m'); // 300000
 * ```
 */
export function parseDuration(field: string, text: string): number {
  const m = DURATION.exec(text.trim());
  if (!m) {
    const hint = text.trim().startsWith('-')
      ? 'must not be negative'
      : 'expected a number and a unit: 500ms, 1s, 5m, 1h, 1d';
    throw new ValidationError(field, `invalid duration '${text}': ${hint}`);
  }
  const value = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  if (!Number.isSafeInteger(value)) {
    throw new ValidationError(field, `invalid duration '${text}': must come to a whole number of milliseconds`);
  }
  return value;
}

/**
 * Formats milliseconds as the largest unit that divides them (`90000` → `90s`, `3600000` → `1h`).
 *
 * @param ms - a duration in milliseconds
 */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms !== 0 && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * Parses a whole number option such as `--retries 3`.
 *
 * @param field - the option, named in the error
 * @param text - what the user typed
 * @param min - smallest value accepted
 * @param max - largest value accepted
 * @throws ValidationError on `field`
 */
export function parseInteger(field: string, text: string, min: number, max: number = Number.MAX_SAFE_INTEGER): number {
  const value = /^-?\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ValidationError(field, `must be a whole number from ${min} to ${max}, got '${text}'`);
  }
  return value;
}
