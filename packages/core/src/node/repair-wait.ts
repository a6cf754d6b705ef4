import type { LeaseHorizon } from '../datastore/datastore.js';

/** Added to the wait until the earliest lease expiry, so that the pass runs just after it. */
const EXPIRY_MARGIN_MS = 5;

/**
 * How long a node waits before its next repair round, from what its last round read (see
 * `Datastore.taskLeaseHorizon`): until the earliest lease of a running task expires, but at
 * least `repairEveryMs` (a lease that has just expired, or one held back by an external
 * execution, is taken back within that, as with a fixed interval) and at most `leaseMs` (or
 * `repairEveryMs`, if longer): a lease granted or renewed after the read expires no sooner.
 * Without a reading (the round failed), `repairEveryMs`.
 *
 * @param horizon - what the last round read, if it read
 * @param timings - the node's repair interval and lease
 */
export function repairWaitMs(
  horizon: LeaseHorizon | undefined,
  timings: { repairEveryMs: number; leaseMs: number },
): number {
  const { repairEveryMs, leaseMs } = timings;
  if (horizon === undefined) return repairEveryMs;
  const longest = Math.max(repairEveryMs, leaseMs);
  if (horizon.earliestExpiryAt === null) return longest;
  const untilExpiry = horizon.earliestExpiryAt - horizon.now + EXPIRY_MARGIN_MS;
  return Math.min(longest, Math.max(repairEveryMs, untilExpiry));
}
