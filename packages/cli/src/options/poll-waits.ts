import { ValidationError } from '@rookery/core';

/**
 * Parses `--poll-waits`: comma-separated waits in milliseconds between polls, used in turn so
 * that nodes don't poll in step (`200,300,250,350`).
 *
 * @param text - what the user typed
 * @returns the waits, each a whole number from 1 to 600 000
 * @throws ValidationError on `poll-waits`
 */
export function parsePollWaits(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  const waits = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  if (parts.length === 0 || waits.some((w) => !Number.isSafeInteger(w) || w < 1 || w > 600_000)) {
    throw new ValidationError(
      'poll-waits',
      `must be comma-separated whole milliseconds from 1 to 600000, such as 200,300,250,350; got '${text}'`,
    );
  }
  return waits;
}
