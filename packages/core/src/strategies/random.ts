/** A source of uniform numbers in [0, 1): jitter and backoff randomness come from here, so tests can pin them. */
export type RandomStrategy = () => number;

/** `Math.random`. */
export const mathRandom: RandomStrategy = () => Math.random();
