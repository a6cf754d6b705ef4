/** Lateness (or any sample) summarised by nearest-rank percentiles. */
export interface Distribution {
  /** Number of samples. */
  count: number;
  /** Median. */
  p50: number;
  /** 95th percentile. */
  p95: number;
  /** 99th percentile. */
  p99: number;
  /** Largest sample. */
  max: number;
}

/**
 * The `q`-th percentile of ascending `sorted` samples by the nearest-rank method: the smallest
 * sample that at least `q` % of the samples do not exceed. NaN for no samples.
 *
 * @param sorted - samples, ascending
 * @param q - percent, 0 < q ≤ 100
 */
export function percentile(sorted: readonly number[], q: number): number {
  if (!(q > 0 && q <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${q}`);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((q / 100) * sorted.length);
  return sorted[rank - 1] ?? Number.NaN;
}

/** p50, p95, p99 and max of `samples` (any order); NaN throughout for none. */
export function distribution(samples: readonly number[]): Distribution {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? (sorted[sorted.length - 1] ?? Number.NaN) : Number.NaN,
  };
}
