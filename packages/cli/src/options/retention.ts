import { parseDuration } from './duration.js';

/**
 * Parses a retention age: a duration (`30d`, `12h`) or `off` (keep forever, null).
 *
 * @throws ValidationError naming `field`
 */
export function parseRetention(field: string, text: string): number | null {
  return text.trim().toLowerCase() === 'off' ? null : parseDuration(field, text);
}
