import { bridgeGaps, type Span } from './spans.js';

export interface EnergyRegionOptions {
  /** Analysis frame. */
  frameMs: number;
  /** A frame is speech when its energy is within this many dB of the loudest frame... */
  rangeDb: number;
  /** ...in a region whose loudest frame is within this many dB of it: a breath 27 dB down is not speech. */
  peakRangeDb: number;
  /** ...and at least this many dB above the noise floor (the 10th-percentile frame): noisy rooms. */
  aboveFloorDb: number;
  /** Gaps shorter than this are bridged: stop closures and short breaths inside phrases. */
  hangoverMs: number;
  /** Regions shorter than this are dropped: clicks (the caller's line has 60 to 70 ms ones), not speech. */
  minSpeechMs: number;
}

/**
 * Ground-truth defaults. The 35 dB range is bench-calls.ts's `speechSpan`; the floor margin
 * keeps crowd or line noise within 35 dB of the loudest word (jfk.wav, the caller's line)
 * out. Two thresholds, as classic endpointers use: the lower one gives a region's extent
 * (quiet word endings included), the peak one decides whether it is speech at all.
 */
export const ENERGY_DEFAULTS: EnergyRegionOptions = {
  frameMs: 10,
  rangeDb: 35,
  peakRangeDb: 25,
  aboveFloorDb: 12,
  hangoverMs: 200,
  minSpeechMs: 100,
};

/**
 * Speech regions of one channel by frame energy: independent of Parley's VAD, so they can
 * serve as ground truth. `speechSpan` in bench-calls.ts is the first and last of these,
 * without the floor margin, the peak threshold, the hangover and the click filter.
 */
export function energyRegions(samples: Float32Array, sampleRate: number, options: Partial<EnergyRegionOptions> = {}): Span[] {
  const o = { ...ENERGY_DEFAULTS, ...options };
  const frame = Math.round((sampleRate * o.frameMs) / 1000);
  const db: number[] = [];
  for (let i = 0; i + frame <= samples.length; i += frame) {
    let sum = 0;
    for (let j = i; j < i + frame; j++) sum += samples[j]! * samples[j]!;
    // The epsilon is digital silence (-120 dB), so an all-zero frame is not -Infinity.
    db.push(10 * Math.log10(sum / frame + 1e-12));
  }
  if (db.length === 0) return [];
  const sorted = [...db].sort((a, b) => a - b);
  const floor = sorted[Math.floor(0.1 * (sorted.length - 1))]!;
  const loudest = sorted.at(-1)!;
  const threshold = Math.max(loudest - o.rangeDb, floor + o.aboveFloorDb);
  const regions: Span[] = [];
  let start = -1;
  db.forEach((e, k) => {
    if (e >= threshold && start < 0) start = k;
    if ((e < threshold || k === db.length - 1) && start >= 0) {
      const end = e >= threshold ? k + 1 : k;
      regions.push({ startMs: start * o.frameMs, endMs: end * o.frameMs });
      start = -1;
    }
  });
  const peakOf = (r: Span) => Math.max(...db.slice(r.startMs / o.frameMs, r.endMs / o.frameMs));
  return bridgeGaps(regions, o.hangoverMs).filter((r) => r.endMs - r.startMs >= o.minSpeechMs && peakOf(r) >= loudest - o.peakRangeDb);
}
