import { describe, expect, it } from 'vitest';
import { distribution, percentile } from '../src/stats.js';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('picks the smallest sample that q % of the samples do not exceed', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 95)).toBe(95);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile([10, 20, 30], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([7], 1)).toBe(7);
  });

  it('is NaN for no samples and refuses q outside (0, 100]', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile(hundred, 0)).toThrow(RangeError);
    expect(() => percentile(hundred, 101)).toThrow(RangeError);
  });
});

describe('distribution', () => {
  it('sorts its samples and reports p50, p95, p99 and max', () => {
    const samples = Array.from({ length: 200 }, (_, i) => 199 - i);
    expect(distribution(samples)).toEqual({ count: 200, p50: 99, p95: 189, p99: 197, max: 199 });
  });

  it('leaves its input as it was', () => {
    const samples = [3, 1, 2];
    distribution(samples);
    expect(samples).toEqual([3, 1, 2]);
  });

  it('is NaN throughout for no samples', () => {
    expect(distribution([])).toEqual({ count: 0, p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, max: Number.NaN });
  });
});
