import type { RandomStrategy } from '../strategies/random.js';

/**
 * How long to wait before try `tries + 1` of a write whose outcome had to be re-read (an
 * attempt's commit, the record of its execution id): exponential from 200 ms, capped at 2 s,
 * with equal jitter (a uniform draw over the upper half), so that commits that failed together
 * do not come back together.
 *
 * @param tries - tries made so far, from 1
 * @param random - the node's randomness
 */
export function commitBackoffMs(tries: number, random: RandomStrategy): number {
  const ceiling = Math.min(100 * 2 ** tries, 2_000);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
