/** How the estimate of one channel's cost follows measurement. Every value is validated by `ChannelCostEstimator`. */
export interface ChannelCostEstimatorOptions {
  /** Starting estimate, in cores per channel (e.g. 0.25 for a PocketSphinx stream on this machine). */
  channelCostCores: number;
  /** Lowest the estimate may fall, in cores per channel; > 0 and <= `channelCostCores`. */
  minChannelCostCores: number;
  /** Highest the estimate may rise, in cores per channel; >= `channelCostCores`. */
  maxChannelCostCores: number;
  /** EWMA weight (0..1] of a measurement above the estimate: the estimate rises this share of the way to it. */
  riseWeight: number;
  /** EWMA weight (0..1] of a measurement below the estimate. Smaller than `riseWeight` by default: admitting too much costs the admitted sessions their budget, admitting too little only costs a retry. */
  fallWeight: number;
  /** A window whose reserved channel-seconds are fewer than this is too little load to measure and is ignored. */
  minMeasuredChannelSeconds: number;
  /**
   * Busy share of the scheduler's slots (0..1] at or above which a window counts as saturated:
   * work then queues instead of running, so its busy time is a lower bound of the cost, and the
   * measurement may raise the estimate but never lower it.
   */
  saturatedUtilization: number;
}

/** One measurement window. */
export interface CostSample {
  /** Scheduler busy time (sum of the service time of its work) during the window, ms. */
  busyMs: number;
  /** Reserved channels integrated over the window: channel-milliseconds. */
  channelMs: number;
  /** Slot time the window offered: scheduler concurrency x window length, ms. */
  slotMs: number;
}

/** What a sample did to the estimate. */
export type SampleOutcome = 'updated' | 'too_little_load' | 'saturated_lower_bound';

export function validateEstimatorOptions(o: ChannelCostEstimatorOptions): void {
  const positive = (name: string, value: number) => {
    if (!Number.isFinite(value) || value <= 0) throw new Error(`admission ${name} must be a positive number of cores, got ${value}`);
  };
  const weight = (name: string, value: number) => {
    if (!(value > 0 && value <= 1)) throw new Error(`admission ${name} must be in (0, 1], got ${value}`);
  };
  positive('channelCostCores', o.channelCostCores);
  positive('minChannelCostCores', o.minChannelCostCores);
  positive('maxChannelCostCores', o.maxChannelCostCores);
  if (o.minChannelCostCores > o.channelCostCores) {
    throw new Error(`minChannelCostCores (${o.minChannelCostCores}) must not exceed the prior channelCostCores (${o.channelCostCores})`);
  }
  if (o.maxChannelCostCores < o.channelCostCores) {
    throw new Error(`maxChannelCostCores (${o.maxChannelCostCores}) must not be below the prior channelCostCores (${o.channelCostCores})`);
  }
  weight('riseWeight', o.riseWeight);
  weight('fallWeight', o.fallWeight);
  if (!Number.isFinite(o.minMeasuredChannelSeconds) || o.minMeasuredChannelSeconds < 0) {
    throw new Error(`admission minMeasuredChannelSeconds must be a non-negative number, got ${o.minMeasuredChannelSeconds}`);
  }
  weight('saturatedUtilization', o.saturatedUtilization);
}

/**
 * The cost of one channel in cores, started from a prior and refined by measurement: each
 * window's scheduler busy time divided by the channel-time reserved in it, smoothed (EWMA,
 * faster up than down) and clamped to [`minChannelCostCores`, `maxChannelCostCores`].
 */
export class ChannelCostEstimator {
  private estimate: number;
  private last: number | null = null;

  constructor(private readonly options: ChannelCostEstimatorOptions) {
    validateEstimatorOptions(options);
    this.estimate = options.channelCostCores;
  }

  /** Current estimate, cores per channel. */
  get cores(): number {
    return this.estimate;
  }

  /** The last window's raw measurement (cores per channel), or null before the first one with enough load. */
  get lastMeasuredCores(): number | null {
    return this.last;
  }

  observe(sample: CostSample): SampleOutcome {
    const { minChannelCostCores, maxChannelCostCores, riseWeight, fallWeight, minMeasuredChannelSeconds, saturatedUtilization } = this.options;
    if (sample.channelMs <= 0 || sample.channelMs < minMeasuredChannelSeconds * 1000) return 'too_little_load';
    const measured = sample.busyMs / sample.channelMs;
    this.last = measured;
    const saturated = sample.slotMs > 0 && sample.busyMs / sample.slotMs >= saturatedUtilization;
    if (saturated && measured <= this.estimate) return 'saturated_lower_bound';
    const weight = measured > this.estimate ? riseWeight : fallWeight;
    const next = this.estimate + weight * (measured - this.estimate);
    this.estimate = Math.min(maxChannelCostCores, Math.max(minChannelCostCores, next));
    return 'updated';
  }
}
