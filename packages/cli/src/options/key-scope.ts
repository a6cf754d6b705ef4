import { ValidationError, type KeyScope } from '@rookery/core';
import { parseDuration } from './duration.js';

/**
 * Parses `--key-scope`: `live` (the key answers while its task is pending or running), `ever`
 * (while its task is stored) or a duration such as `1h` or `1d` (once per period of that
 * length). The period's range is checked by the client, before anything is written.
 *
 * @param text - what the user typed
 * @throws ValidationError on `key-scope` for anything else
 * @example
 * ```ts
 * parseKeyScope('1h'); // { periodMs: 3600000 }
 * ```
 */
export function parseKeyScope(text: string): KeyScope {
  const scope = text.trim();
  if (scope === 'live' || scope === 'ever') return scope;
  try {
    return { periodMs: parseDuration('key-scope', scope) };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError('key-scope', `'${text}' is not a key scope: live, ever, or a period such as 1h or 1d`, {
      cause: error,
    });
  }
}
