import type { RetryPolicy } from '../model/policies.js';
import type { RandomStrategy } from './random.js';

/**
 * Decides when a failed attempt runs again: the delay in ms, or null when the task has used
 * its attempts. `failures` counts the failures so far, this one included.
 */
export type RetryStrategy = (policy: RetryPolicy, failures: number, random: RandomStrategy) => number | null;

function withJitter(delay: number, policy: RetryPolicy, random: RandomStrategy): number {
  const jittered = delay - delay * policy.jitter * random();
  return Math.max(0, Math.round(jittered));
}

/** `none`: never retry. */
export const noRetry: RetryStrategy = () => null;

/** `fixed`: the same delay before every retry, until `maxAttempts` attempts have failed. */
export const fixedRetry: RetryStrategy = (policy, failures, random) =>
  failures >= policy.maxAttempts ? null : withJitter(Math.min(policy.delayMs, policy.maxDelayMs), policy, random);

/**
 * `exponential`: `delayMs * factor^(failures-1)`, capped at `maxDelayMs` (the cap is applied
 * before the power can overflow), then jittered.
 */
export const exponentialRetry: RetryStrategy = (policy, failures, random) => {
  if (failures >= policy.maxAttempts) return null;
  const exponent = Math.min(failures - 1, 1000);
  // A zero base delay stays zero: 0 × factor^n must not become 0 × Infinity = NaN (→ the cap).
  const raw = policy.delayMs === 0 ? 0 : policy.delayMs * Math.pow(policy.factor, exponent);
  const capped = Number.isFinite(raw) ? Math.min(raw, policy.maxDelayMs) : policy.maxDelayMs;
  return withJitter(capped, policy, random);
};
