import { describe, expect, it } from 'vitest';
import { separability } from './separability.js';
import type { PauseTrajectory } from './threshold-curve.js';

function pause(insideTurn: boolean, lastMs: number, p: (silenceMs: number) => number): PauseTrajectory {
  const trajectory = [];
  for (let s = 32; s <= lastMs; s += 32) trajectory.push({ silenceMs: s, probability: p(s) });
  return { callId: 'c', channel: 0, insideTurn, trajectory };
}

describe('separability', () => {
  it('is 1 when every true end outranks every pause, 0.5 for a coin, and counts only pauses that lasted', () => {
    const pauses = [
      pause(false, 2000, (s) => (s >= 300 ? 0.9 : 0.2)),
      pause(false, 2000, () => 0.6),
      pause(true, 1000, () => 0.6),
      pause(true, 1000, (s) => (s >= 300 ? 0.3 : 0.7)),
      pause(true, 200, () => 0.99), // over before 300 ms: not counted there
    ];
    const [early, late, later] = separability(pauses, [160, 320, 1500]);
    // At 160 ms: ends 0.2 and 0.6 against pauses 0.6, 0.7 and 0.99: one tie of six pairs.
    expect(early).toEqual({ silenceMs: 160, trueEnds: 2, insideTurn: 3, auc: 0.5 / 6 });
    // At 320 ms: ends 0.9 and 0.6 against 0.6 and 0.3: three wins and one tie of four.
    expect(late).toEqual({ silenceMs: 320, trueEnds: 2, insideTurn: 2, auc: 3.5 / 4 });
    expect(later).toEqual({ silenceMs: 1500, trueEnds: 2, insideTurn: 0, auc: null });
  });
});
