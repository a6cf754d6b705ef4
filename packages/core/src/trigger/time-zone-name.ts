import { ValidationError } from '../errors/validation-error.js';

/**
 * Check an IANA time-zone name and return the name `Intl` resolves it to: case is normalised
 * and aliases are replaced (`us/eastern` → `America/New_York`, `Etc/UTC` and `GMT` → `UTC`).
 * Raw offsets (`+02:00`, `UTC+2`) are refused: they have no DST rules, and names do.
 *
 * Note: the resolved name is ICU's canonical one, which for a few renamed zones is the older
 * name on Node 20 (`Asia/Kolkata` → `Asia/Calcutta`, `Europe/Kyiv` → `Europe/Kiev`). Both
 * spellings denote the same rules.
 *
 * @param input - the zone as given
 * @param field - dotted path for errors, such as `trigger.tz`
 * @throws {@link ValidationError} naming `field`
 */
export function canonicalTimeZone(input: unknown, field: string): string {
  if (typeof input !== 'string')
    throw new ValidationError(field, 'must be an IANA time-zone name such as Europe/Berlin');
  const name = input;
  if (name.trim() === '')
    throw new ValidationError(field, 'is empty; give an IANA time-zone name such as Europe/Berlin');
  if (/^[-+\u2212]/.test(name) || /^(UTC|GMT|UT|Z)\s*[-+\u2212]/i.test(name)) {
    throw new ValidationError(field, `'${input}' is a raw offset; give an IANA time-zone name such as Europe/Berlin`);
  }
  if (name.length > 64 || /[^A-Za-z0-9_+\-/]/.test(name)) {
    throw new ValidationError(field, `'${input}' is not an IANA time-zone name`);
  }
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch (cause) {
    throw new ValidationError(field, `unknown time zone '${input}'`, { cause });
  }
}
