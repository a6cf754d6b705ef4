/**
 * Remembers the nonces of the signed calls a receiver has accepted, so that
 * `verifyRookerySignature` refuses the same call sent again (`replayed`). A call's nonce has to
 * be kept only until its `expiresAt`: after that its timestamp is outside the tolerance window
 * and the call is refused as `expired` anyway.
 */
export interface ReplayStore {
  /**
   * Records a nonce, atomically: false when it was recorded before (a replay), true when it is
   * new. A store shared by several receivers (a database table with the nonce as its key, Redis
   * `SET NX PX`) refuses a replay sent to any of them.
   *
   * @param nonce - the call's `rookery-nonce`
   * @param expiresAt - epoch ms after which the entry may be forgotten
   * @param now - the receiver's time, epoch ms
   */
  remember(nonce: string, expiresAt: number, now: number): boolean;
}

/**
 * A {@link ReplayStore} in this process's memory, for a receiver that runs as one process. It
 * drops expired nonces as it grows, so it holds about as many as the calls of one tolerance
 * window (10 minutes with the default ±5 minutes).
 *
 * @returns a new, empty store
 * @example
 * ```ts
 * const replay = createMemoryReplayStore();
 * const check = verifyRookerySignature({ secret, method: req.method, url, headers: req.headers, body, replay });
 * ```
 */
export function createMemoryReplayStore(): ReplayStore {
  const expiries = new Map<string, number>();
  let sweepAt = 1_024;
  return {
    remember(nonce, expiresAt, now) {
      const known = expiries.get(nonce);
      if (known !== undefined && known >= now) return false;
      expiries.set(nonce, expiresAt);
      if (expiries.size >= sweepAt) {
        for (const [key, expiry] of expiries) if (expiry < now) expiries.delete(key);
        sweepAt = Math.max(1_024, expiries.size * 2);
      }
      return true;
    },
  };
}
