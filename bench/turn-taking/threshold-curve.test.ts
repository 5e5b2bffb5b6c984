import { describe, expect, it } from 'vitest';
import { decisionSilenceMs, silenceOnlyCurve, thresholdCurve, type PauseTrajectory } from './threshold-curve.js';

/** A pause of `lastMs` of silence in 32 ms chunks; probability `p(silenceMs)`. */
function pause(insideTurn: boolean, lastMs: number, p: (silenceMs: number) => number): PauseTrajectory {
  const trajectory = [];
  for (let s = 32; s <= lastMs; s += 32) trajectory.push({ silenceMs: s, probability: p(s) });
  return { callId: 'c', channel: 0, insideTurn, trajectory };
}

const pauses = [
  pause(true, 320, () => 0.2), // a short pause the model doubts
  pause(true, 960, (s) => (s >= 480 ? 0.6 : 0.1)), // a long, hesitant pause within the turn
  pause(false, 2000, (s) => (s >= 160 ? 0.9 : 0.3)), // true ends the model is sure of
  pause(false, 2000, (s) => (s >= 320 ? 0.7 : 0.3)),
  pause(false, 2000, () => 0.4), // a true end the model doubts
];

describe('decisionSilenceMs', () => {
  it('decides at the first chunk past min_end_ms over the threshold, else at max_end_ms, else never', () => {
    const setting = { eotThreshold: 0.5, minEndMs: 200, maxEndMs: 800 };
    expect(decisionSilenceMs(pauses[0]!, setting)).toBeUndefined();
    expect(decisionSilenceMs(pauses[1]!, setting)).toBe(480);
    expect(decisionSilenceMs(pauses[2]!, setting)).toBe(224);
    expect(decisionSilenceMs(pauses[3]!, setting)).toBe(320);
    expect(decisionSilenceMs(pauses[4]!, setting)).toBe(800);
    expect(decisionSilenceMs(pauses[1]!, { ...setting, maxEndMs: 1200 })).toBe(480);
    expect(decisionSilenceMs(pauses[1]!, { ...setting, eotThreshold: 0.65, maxEndMs: 1200 })).toBeUndefined();
  });
});

describe('thresholdCurve', () => {
  it('trades cut-offs against latency over the grid', () => {
    const [low, high] = thresholdCurve(pauses, [
      { eotThreshold: 0.5, minEndMs: 200, maxEndMs: 800 },
      { eotThreshold: 0.8, minEndMs: 0, maxEndMs: 1000 },
    ]);
    expect(low).toEqual({ eotThreshold: 0.5, minEndMs: 200, maxEndMs: 800, cutOffs: 1, trueEnds: 3, endsFound: 3, latencyP50Ms: 320, latencyP95Ms: 800 });
    expect(high).toMatchObject({ cutOffs: 0, endsFound: 3, latencyP50Ms: 1024, latencyP95Ms: 1024 });
  });

  it('is the silence-only detector with the probability at 0 and max_end_ms at end_ms', () => {
    expect(silenceOnlyCurve(pauses, [256, 800, 2400]).map((p) => [p.cutOffs, p.endsFound, p.latencyP50Ms])).toEqual([
      [2, 3, 256],
      [1, 3, 800],
      [0, 0, NaN],
    ]);
  });
});
