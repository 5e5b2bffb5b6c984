export interface RunningHistogramOptions {
  /** Range covered; values outside it count in the first or last bin. */
  min: number;
  max: number;
  bins: number;
  /**
   * Once the total weight passes this, every count is halved: the histogram keeps O(1)
   * memory and follows a value that drifts (a speaker warming up, a call handed to
   * another person) instead of averaging over the whole call.
   */
  forgetAfter: number;
}

/** Quantiles of a stream of values in fixed memory, to the resolution of a bin. */
export class RunningHistogram {
  private readonly counts: Float64Array;
  private total = 0;

  constructor(private readonly options: RunningHistogramOptions) {
    this.counts = new Float64Array(options.bins);
  }

  get byteLength(): number {
    return this.counts.byteLength;
  }

  /** Total weight held, after forgetting. */
  get weight(): number {
    return this.total;
  }

  add(value: number): void {
    const { min, max, bins, forgetAfter } = this.options;
    const bin = Math.min(bins - 1, Math.max(0, Math.floor(((value - min) / (max - min)) * bins)));
    this.counts[bin]!++;
    this.total++;
    if (this.total > forgetAfter) {
      for (let b = 0; b < bins; b++) this.counts[b] = this.counts[b]! / 2;
      this.total /= 2;
    }
  }

  /** The q-quantile (0..1), interpolated within its bin; null while empty. */
  quantile(q: number): number | null {
    if (this.total === 0) return null;
    const { min, max, bins } = this.options;
    const width = (max - min) / bins;
    const target = q * this.total;
    let below = 0;
    for (let b = 0; b < bins; b++) {
      const count = this.counts[b]!;
      if (count > 0 && below + count >= target) return min + width * (b + (target - below) / count);
      below += count;
    }
    return max;
  }

  clear(): void {
    this.counts.fill(0);
    this.total = 0;
  }
}
