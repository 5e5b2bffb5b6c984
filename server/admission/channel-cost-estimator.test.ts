import { describe, expect, it } from 'vitest';
import { ChannelCostEstimator, type ChannelCostEstimatorOptions } from './channel-cost-estimator.js';

const OPTIONS: ChannelCostEstimatorOptions = {
  channelCostCores: 0.25,
  minChannelCostCores: 0.05,
  maxChannelCostCores: 1,
  riseWeight: 0.5,
  fallWeight: 0.2,
  minMeasuredChannelSeconds: 5,
  saturatedUtilization: 0.9,
};

/** `channels` for 5 s on 2 slots, each channel busy `cores`. */
const window = (channels: number, cores: number) => ({ busyMs: channels * cores * 5000, channelMs: channels * 5000, slotMs: 2 * 5000 });

describe('ChannelCostEstimator', () => {
  it('starts at the prior', () => {
    const e = new ChannelCostEstimator(OPTIONS);
    expect(e.cores).toBe(0.25);
    expect(e.lastMeasuredCores).toBeNull();
  });

  it('rises by riseWeight and falls by fallWeight of the distance to a measurement', () => {
    const e = new ChannelCostEstimator(OPTIONS);
    expect(e.observe(window(4, 0.45))).toBe('updated');
    expect(e.cores).toBeCloseTo(0.35, 12);
    expect(e.observe(window(4, 0.15))).toBe('updated');
    expect(e.cores).toBeCloseTo(0.35 - 0.2 * 0.2, 12);
    expect(e.lastMeasuredCores).toBeCloseTo(0.15, 12);
  });

  it('ignores windows with too little reserved channel time', () => {
    const e = new ChannelCostEstimator(OPTIONS);
    expect(e.observe({ busyMs: 4000, channelMs: 4999, slotMs: 10_000 })).toBe('too_little_load');
    expect(e.observe({ busyMs: 4000, channelMs: 0, slotMs: 10_000 })).toBe('too_little_load');
    expect(e.cores).toBe(0.25);
    expect(e.lastMeasuredCores).toBeNull();
  });

  it('treats a saturated window as a lower bound', () => {
    const e = new ChannelCostEstimator(OPTIONS);
    expect(e.observe(window(16, 0.12))).toBe('saturated_lower_bound'); // 1.92 of 2 slots
    expect(e.cores).toBe(0.25);
    expect(e.observe(window(6, 0.32))).toBe('updated'); // 1.92 of 2, but above the estimate
    expect(e.cores).toBeCloseTo(0.285, 12);
  });

  it('clamps to its bounds', () => {
    const e = new ChannelCostEstimator({ ...OPTIONS, riseWeight: 1, fallWeight: 1 });
    e.observe({ busyMs: 9000, channelMs: 5000, slotMs: 10_000 });
    expect(e.cores).toBe(1);
    e.observe(window(4, 0));
    expect(e.cores).toBe(0.05);
  });
});
