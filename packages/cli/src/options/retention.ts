import { ValidationError } from '@rookery/core';
import { parseDuration } from './duration.js';

/**
 * Parses a retention age: a duration (`30d`, `12h`) or `off` (keep forever, null).
 *
 * @throws ValidationError naming `field`
 */
export function parseRetention(field: string, text: string): number | null {
  return text.trim().toLowerCase() === 'off' ? null : parseDuration(field, text);
}

/**
 * Parses `--unresolved-after`: a duration or `off`, no longer than `--node-retention` (the
 * bound is judged from the node records, which that option deletes).
 *
 * @throws ValidationError naming `unresolved-after`
 */
export function parseUnresolvedAfter(text: string, nodeRetention: string): number | null {
  const bound = parseRetention('unresolved-after', text);
  const nodesMs = parseRetention('node-retention', nodeRetention);
  if (bound !== null && nodesMs !== null && bound > nodesMs) {
    throw new ValidationError('unresolved-after', `must not exceed --node-retention (${nodeRetention}), got ${text}`);
  }
  return bound;
}
