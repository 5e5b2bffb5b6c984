import { describe, expect, it } from 'vitest';
import { fitLogistic } from './logistic-fit.js';

/** A deterministic pseudo-random sequence, so the test data never changes. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1664525 + 1013904223) % 2 ** 32) / 2 ** 32);
}

describe('fitLogistic', () => {
  it('recovers the weights of data drawn from a known logistic model', () => {
    const random = lcg(7);
    const truth = { bias: -0.5, weights: [2, -1.5, 0] };
    const x: Float64Array[] = [];
    const y: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const row = Float64Array.from([random() * 4 - 2, random() * 4 - 2, random() * 4 - 2]);
      const z = truth.bias + truth.weights.reduce((s, w, j) => s + w * row[j]!, 0);
      x.push(row);
      y.push(random() < 1 / (1 + Math.exp(-z)) ? 1 : 0);
    }
    const fit = fitLogistic(x, y, { l2: 0 });
    expect(fit.bias).toBeCloseTo(truth.bias, 1);
    fit.weights.forEach((w, j) => expect(Math.abs(w - truth.weights[j]!)).toBeLessThan(0.1));
    expect(fit.iterations).toBeLessThan(15);
  });

  it('shrinks weights under an L2 penalty and weighs samples as told', () => {
    const x = [0, 1, 2, 3, 4, 5].map((v) => Float64Array.from([v]));
    const y = [0, 0, 1, 0, 1, 1];
    const free = fitLogistic(x, y, { l2: 0 });
    const ridge = fitLogistic(x, y, { l2: 10 });
    expect(Math.abs(ridge.weights[0]!)).toBeLessThan(Math.abs(free.weights[0]!));
    // Weighting the positives up moves the boundary down: a higher probability at x = 2.5.
    const p = (f: { bias: number; weights: number[] }) => 1 / (1 + Math.exp(-(f.bias + f.weights[0]! * 2.5)));
    const weighted = fitLogistic(x, y, { l2: 0, sampleWeights: y.map((v) => (v ? 3 : 1)) });
    expect(p(weighted)).toBeGreaterThan(p(free) + 0.1);
  });
});
