import { RookeryClient } from '@rookery/core';
import { pgWakeSignals } from '@rookery/messaging';
import { BUILT_IN_EXECUTORS } from '../commands/built-in-executors.js';
import { writeLine, type CliIo } from '../context.js';
import { withDatastore } from './db.js';
import { resolveWakeSignals } from './wake-signals.js';

/**
 * Opens the datastore at `url` and runs `fn` with a client that knows the built-in executors
 * and, on PostgreSQL, wakes idle nodes when it writes work that falls due soon (the publishing
 * session opens only then; a failed signal is reported on stderr, and the nodes find the work
 * at their next poll). Closes everything when `fn` ends.
 */
export async function withOperatorClient<T>(
  url: string,
  io: CliIo,
  fn: (client: RookeryClient) => Promise<T>,
): Promise<T> {
  return withDatastore(url, async (datastore) => {
    const wakeSignals =
      resolveWakeSignals('auto', url) === 'pg'
        ? pgWakeSignals({
            url,
            onError: (error) =>
              writeLine(
                io.stderr,
                `rookery: wake signal not sent (the nodes will find the work at their next poll): ${error instanceof Error ? error.message : String(error)}`,
              ),
          })
        : null;
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
