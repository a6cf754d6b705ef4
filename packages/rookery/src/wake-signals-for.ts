import type { EventBus, TlsOptions, WakeSignals } from '@rookery/core';
import { parseDatastoreUrl } from '@rookery/datastore-sql';
import { pgWakeSignals, wakeChannel, type PgWakeSignals } from '@rookery/messaging';

/** How `createRookery` wakes idle nodes: `auto` (LISTEN/NOTIFY on PostgreSQL, polling elsewhere) or `none` (polling only). */
export type WakeSignalsMode = 'auto' | 'none';

/** The wake signals of one Rookery: the node's (it listens and announces) and the client's (it announces). */
export interface RookeryWakeSignals {
  /** Given to the node. */
  node: WakeSignals;
  /** Given to the client. */
  client: WakeSignals;
  /** Ends their database sessions. Never rejects. */
  close(): Promise<void>;
}

/**
 * Opens the wake signals for a database URL: on PostgreSQL (with `auto`) two LISTEN/NOTIFY
 * instances, so that the node also wakes for what its own client announces; elsewhere none,
 * and the node polls. Transport errors go to `events` as `generalError` (source `wake-signals`, the node's id as
 * `nodeId` tells it). `ssl` is the datastore's, so that every connection agrees; `placement`
 * (the `schema` and `tablePrefix` options) picks the cluster's channel, as the URL's would.
 */
export function wakeSignalsFor(
  mode: WakeSignalsMode,
  url: string,
  events: EventBus,
  nodeId: () => string | null,
  ssl?: TlsOptions,
  placement: { schema?: string | undefined; tablePrefix?: string | undefined } = {},
): RookeryWakeSignals | null {
  const parsed = parseDatastoreUrl(url);
  if (mode === 'none' || parsed.dialect !== 'postgres') return null;
  const onError = (error: unknown): void => {
    events.emit('generalError', error instanceof Error ? error : new Error(String(error)), {
      nodeId: nodeId(),
      source: 'wake-signals',
    });
  };
  const channel = wakeChannel({
    schema: placement.schema ?? parsed.schema,
    tablePrefix: placement.tablePrefix ?? parsed.tablePrefix,
  });
  const options = { url, onError, channel, ...(ssl === undefined ? {} : { ssl }) };
  const node: PgWakeSignals = pgWakeSignals(options);
  const client: PgWakeSignals = pgWakeSignals(options);
  return {
    node,
    client,
    close: async () => {
      await Promise.all([node.close(), client.close()]);
    },
  };
}
