/** A source of uniform numbers in [0, 1): jitter and backoff randomness come from here, so tests can pin them. */
export type RandomStrategy = () => number;

/** `Math.random`. */
export const mathRandom: RandomStrategy = () => Math.random();

/**
 * A deterministic source seeded by `seed` (mulberry32): the same seed gives the same sequence,
 * so a simulation or a fault run replays exactly. Not for anything secret.
 *
 * @example
 * ```ts
 * const random = seededRandom(20261122); // NodeOptions.random, or a test's own choices
 * ```
 */
export function seededRandom(seed: number): RandomStrategy {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
