import { ValidationError } from '@rookery/core';
import { parseDatastoreUrl } from '@rookery/datastore-sql';

/** Values of `--wake-signals`: `auto` (PostgreSQL LISTEN/NOTIFY on a PostgreSQL URL, none otherwise), `pg`, `none`. */
export const WAKE_SIGNAL_MODES = ['auto', 'pg', 'none'] as const;

/** One of {@link WAKE_SIGNAL_MODES}. */
export type WakeSignalsMode = (typeof WAKE_SIGNAL_MODES)[number];

/**
 * Decides the wake signals of a command: `pg` (LISTEN/NOTIFY on the cluster's PostgreSQL
 * database) or `none` (polling only).
 *
 * @param mode - the value of `--wake-signals`
 * @param url - the database URL in force
 * @throws ValidationError on `wake-signals` for an unknown mode, or for `pg` on a URL that is not PostgreSQL
 */
export function resolveWakeSignals(mode: string, url: string): 'pg' | 'none' {
  if (!(WAKE_SIGNAL_MODES as readonly string[]).includes(mode)) {
    throw new ValidationError('wake-signals', `must be one of ${WAKE_SIGNAL_MODES.join(', ')}, got '${mode}'`);
  }
  if (mode === 'none') return 'none';
  if (parseDatastoreUrl(url).dialect === 'postgres') return 'pg';
  if (mode === 'pg')
    throw new ValidationError('wake-signals', 'pg needs a PostgreSQL database URL (postgres://…); use auto or none');
  return 'none';
}
