import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICIES, exponentialRetry, fixedRetry, noRetry, type RetryPolicy } from '../../src/index.js';

const policy = (over: Partial<RetryPolicy>): RetryPolicy => ({ ...DEFAULT_POLICIES.retry, ...over });
const zero = () => 0;
const almostOne = () => 0.999_999;
const half = () => 0.5;

describe('retry: none', () => {
  it('never retries, whatever the policy numbers say', () => {
    const p = policy({ kind: 'none', maxAttempts: 10 });
    for (const failures of [1, 2, 9, 1_000]) expect(noRetry(p, failures, zero)).toBeNull();
  });
});

describe('retry: fixed', () => {
  it('waits delayMs before every retry until maxAttempts attempts have failed', () => {
    const p = policy({ kind: 'fixed', maxAttempts: 4, delayMs: 1_500 });
    expect([1, 2, 3].map((f) => fixedRetry(p, f, zero))).toEqual([1_500, 1_500, 1_500]);
    expect(fixedRetry(p, 4, zero)).toBeNull();
    expect(fixedRetry(p, 5, zero)).toBeNull();
  });

  it('maxAttempts 1 means one attempt and no retry', () => {
    expect(fixedRetry(policy({ kind: 'fixed', maxAttempts: 1, delayMs: 10 }), 1, zero)).toBeNull();
  });

  it('never waits longer than maxDelayMs', () => {
    const p = policy({ kind: 'fixed', maxAttempts: 3, delayMs: 90_000, maxDelayMs: 60_000 });
    expect(fixedRetry(p, 1, zero)).toBe(60_000);
  });

  it('a delay of 0 retries at once', () => {
    expect(fixedRetry(policy({ kind: 'fixed', maxAttempts: 3, delayMs: 0 }), 1, half)).toBe(0);
  });
});

describe('retry: exponential', () => {
  it('grows delayMs * factor^(failures-1)', () => {
    const p = policy({ kind: 'exponential', maxAttempts: 10, delayMs: 1_000, factor: 2, maxDelayMs: 1_000_000 });
    expect([1, 2, 3, 4, 5].map((f) => exponentialRetry(p, f, zero))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
  });

  it('a fractional factor grows by that factor, rounded to whole ms', () => {
    const p = policy({ kind: 'exponential', maxAttempts: 10, delayMs: 1_000, factor: 1.5 });
    expect([1, 2, 3].map((f) => exponentialRetry(p, f, zero))).toEqual([1_000, 1_500, 2_250]);
  });

  it('is capped at maxDelayMs and stays there', () => {
    const p = policy({ kind: 'exponential', maxAttempts: 100, delayMs: 1_000, factor: 3, maxDelayMs: 30_000 });
    const delays = Array.from({ length: 20 }, (_, i) => exponentialRetry(p, i + 1, zero));
    expect(delays.slice(0, 4)).toEqual([1_000, 3_000, 9_000, 27_000]);
    expect(delays.slice(4).every((d) => d === 30_000)).toBe(true);
  });

  it('does not overflow for huge failure counts', () => {
    const p = policy({
      kind: 'exponential',
      maxAttempts: Number.MAX_SAFE_INTEGER,
      delayMs: 1_000,
      factor: 10,
      maxDelayMs: 3_600_000,
    });
    for (const failures of [309, 1_000, 1_001, 1e6, 2 ** 40, Number.MAX_SAFE_INTEGER - 1]) {
      const d = exponentialRetry(p, failures, zero);
      expect(d).toBe(3_600_000);
      expect(Number.isFinite(d)).toBe(true);
    }
  });

  it('a zero base delay stays zero however many failures (no 0 × Infinity = NaN)', () => {
    const p = policy({ kind: 'exponential', maxAttempts: 1_000, delayMs: 0, factor: 10, maxDelayMs: 3_600_000 });
    for (const failures of [1, 10, 400, 999]) expect(exponentialRetry(p, failures, half)).toBe(0);
  });

  it('returns null once maxAttempts attempts have failed', () => {
    const p = policy({ kind: 'exponential', maxAttempts: 3, delayMs: 100 });
    expect(exponentialRetry(p, 2, zero)).toBe(200);
    expect(exponentialRetry(p, 3, zero)).toBeNull();
    expect(exponentialRetry(p, 4, zero)).toBeNull();
  });
});

describe('retry jitter, random pinned', () => {
  const p = policy({
    kind: 'exponential',
    maxAttempts: 10,
    delayMs: 1_000,
    factor: 2,
    maxDelayMs: 10_000,
    jitter: 0.5,
  });

  it('random 0 keeps the full delay', () => {
    expect(exponentialRetry(p, 2, zero)).toBe(2_000);
  });

  it('random 0.5 takes away half of the jitter fraction', () => {
    expect(exponentialRetry(p, 2, half)).toBe(1_500);
    expect(fixedRetry({ ...p, kind: 'fixed' }, 2, half)).toBe(750);
  });

  it('random near 1 approaches delay × (1 − jitter), never below it', () => {
    expect(exponentialRetry(p, 2, almostOne)).toBe(1_000);
  });

  it('every delay lies in [delay × (1 − jitter), delay] for randoms across [0, 1)', () => {
    for (let i = 0; i < 100; i += 1) {
      const r = i / 100;
      for (const failures of [1, 2, 3, 4, 5, 6]) {
        const full = Math.min(1_000 * 2 ** (failures - 1), 10_000);
        const d = exponentialRetry(p, failures, () => r);
        expect(d).not.toBeNull();
        expect(d).toBeGreaterThanOrEqual(Math.floor(full * 0.5));
        expect(d).toBeLessThanOrEqual(full);
      }
    }
  });

  it('full jitter (1) spans the whole [0, delay] and the cap still holds', () => {
    const full = policy({
      kind: 'exponential',
      maxAttempts: 50,
      delayMs: 1_000,
      factor: 2,
      maxDelayMs: 5_000,
      jitter: 1,
    });
    expect(exponentialRetry(full, 40, zero)).toBe(5_000);
    expect(exponentialRetry(full, 40, almostOne)).toBe(0);
    expect(exponentialRetry(full, 40, () => 0.25)).toBe(3_750);
  });
});
