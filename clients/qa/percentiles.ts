import type { Percentiles } from './qa-report.js';

/**
 * p50, p95, p99 and p99.9 by the nearest-rank method: the p-th percentile of n sorted values
 * is the value at rank ceil(p / 100 * n), counting from 1. Every figure is one of the
 * measured values, never an interpolation between two, so a report never shows a latency no
 * call had; with fewer than 1,000 values p99.9 is simply the largest. All null when there are
 * no values.
 */
export function percentiles(values: readonly number[]): Percentiles {
  const sorted = Float64Array.from(values).sort();
  return {
    count: sorted.length,
    p50: nearestRank(sorted, 500),
    p95: nearestRank(sorted, 950),
    p99: nearestRank(sorted, 990),
    p999: nearestRank(sorted, 999),
  };
}

/** `perMille` in thousandths: the rank is computed from integers, so no float rounding can move it. */
function nearestRank(sorted: Float64Array, perMille: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((perMille * sorted.length) / 1000));
  return sorted[rank - 1]!;
}
