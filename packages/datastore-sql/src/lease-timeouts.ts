/**
 * The datastore's idle-in-transaction timeout for nodes with a given lease: half the lease,
 * at least one second. A process frozen inside a transaction (SIGSTOP, a long GC pause, a
 * stopped VM) holds row locks until the server ends its session; ended after half a lease,
 * the other nodes can take its tasks over within about a lease, as they would from a node that
 * died. Pass it as `idleTransactionTimeoutMs` of `createSqlDatastore`.
 *
 * @param leaseMs - the nodes' lease length, ms
 * @returns the timeout, ms
 * @example
 * ```ts
 * const datastore = await createSqlDatastore({ url, idleTransactionTimeoutMs: idleTransactionTimeoutForLease(leaseMs) });
 * ```
 */
export function idleTransactionTimeoutForLease(leaseMs: number): number {
  return Math.max(1_000, Math.floor(leaseMs / 2));
}
