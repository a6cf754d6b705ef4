import type { LeaseHorizon } from '../datastore/datastore.js';

/** Added to the wait until the earliest lease expiry, so that the round runs just after it. */
const EXPIRY_MARGIN_MS = 5;

/** Shortest wait until a lease expiry, so that leases expiring a few milliseconds apart share a round. */
const MIN_EXPIRY_WAIT_MS = 50;

/**
 * How long a node waits before its next repair round, from what its last round read (see
 * `Datastore.taskLeaseHorizon`): until just after the next lease of a running task expires (at
 * least 50 ms, or `repairEveryMs` if shorter), and at most `leaseMs` (or `repairEveryMs`, if
 * longer), since a lease granted or renewed after the read expires no sooner. While a task is
 * repairable already (a lease expired and still there: another node's round taking it back at
 * that instant, or a row the round skipped; or an external execution, which its holder may hand
 * over at any time), at most `repairEveryMs`; so too after a round that could not read.
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
  const untilNext =
    horizon.nextExpiryAt === null
      ? longest
      : Math.min(
          longest,
          Math.max(Math.min(repairEveryMs, MIN_EXPIRY_WAIT_MS), horizon.nextExpiryAt - horizon.now + EXPIRY_MARGIN_MS),
        );
  return horizon.repairable ? Math.min(repairEveryMs, untilNext) : untilNext;
}
