import type { LoadRow } from './load-run.js';

/** How many streams each contender sustains, with every load tried. */
export interface CapacityResult {
  contender: string;
  /** The largest K tried that kept up with real time (0: not even one stream). */
  capacity: number;
  /** The smallest K tried that did not keep up (null: none failed up to the maximum). */
  failedAt: number | null;
  rows: LoadRow[];
}

export interface CapacitySearchOptions {
  maxStreams: number;
  /** Bisection steps after the doubling found a bracket. */
  refineSteps: number;
  /** Called after each run, for progress output. */
  onRow?(row: LoadRow): void;
}

/**
 * Doubles K (1, 2, 4, ...) until a contender falls behind real time or reaches the maximum,
 * then bisects between the last K that kept up and the first that did not. The doubling runs
 * the contenders in turn at each K, so loads compared at the same K ran within seconds of each
 * other on a machine whose speed drifts (shared cores, stolen time). The capacity is only
 * as fine as the bracket: `capacity` to `failedAt`.
 */
export async function searchCapacity(
  contenders: readonly string[],
  run: (contender: string, k: number) => Promise<LoadRow>,
  options: CapacitySearchOptions,
): Promise<CapacityResult[]> {
  const results = contenders.map((contender): CapacityResult => ({ contender, capacity: 0, failedAt: null, rows: [] }));
  const measure = async (result: CapacityResult, k: number) => {
    const row = await run(result.contender, k);
    result.rows.push(row);
    options.onRow?.(row);
    if (row.keeps_up) result.capacity = Math.max(result.capacity, k);
    else result.failedAt = Math.min(result.failedAt ?? Infinity, k);
  };
  for (let k = 1; ; k = Math.min(k * 2, options.maxStreams)) {
    const going = results.filter((r) => r.failedAt === null && r.capacity < k);
    if (going.length === 0) break;
    for (const result of going) await measure(result, k);
    if (k === options.maxStreams) break;
  }
  for (const result of results) {
    for (let step = 0; step < options.refineSteps && result.failedAt !== null && result.failedAt - result.capacity > 1; step++) {
      await measure(result, Math.round((result.capacity + result.failedAt) / 2));
    }
    result.rows.sort((a, b) => a.streams - b.streams);
  }
  return results;
}
