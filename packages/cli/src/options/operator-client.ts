import { RookeryClient } from '@rookery/core';
import { pgWakeSignals, type PgWakeSignals } from '@rookery/messaging';
import { BUILT_IN_EXECUTORS } from '../commands/built-in-executors.js';
import { writeLine, type CliIo } from '../context.js';
import { withDatastore } from './db.js';
import { resolveWakeSignals } from './wake-signals.js';

/**
 * The wake signals a command publishes on (`pg`), or null (`none`): the publishing session opens
 * on the first announcement, and a signal that cannot be sent is reported on stderr, prefixed
 * with `who` (the nodes find the work at their next poll). Close it when the command ends.
 */
export function publishingWakeSignals(mode: 'pg' | 'none', url: string, io: CliIo, who: string): PgWakeSignals | null {
  if (mode === 'none') return null;
  return pgWakeSignals({
    url,
    onError: (error) =>
      writeLine(
        io.stderr,
        `${who}: wake signal not sent (the nodes will find the work at their next poll): ${error instanceof Error ? error.message : String(error)}`,
      ),
  });
}

/**
 * Opens the datastore at `url` and runs `fn` with a client that knows the built-in executors
 * and, on PostgreSQL, wakes idle nodes when it writes work that falls due soon (see
 * {@link publishingWakeSignals}). Closes everything when `fn` ends.
 */
export async function withOperatorClient<T>(
  url: string,
  io: CliIo,
  fn: (client: RookeryClient) => Promise<T>,
): Promise<T> {
  return withDatastore(url, async (datastore) => {
    const wakeSignals = publishingWakeSignals(resolveWakeSignals('auto', url), url, io, 'rookery');
    try {
      return await fn(
        new RookeryClient({
          datastore,
          builtInExecutors: [...BUILT_IN_EXECUTORS],
          ...(wakeSignals ? { wakeSignals } : {}),
        }),
      );
    } finally {
      await wakeSignals?.close();
    }
  });
}
