import { describe, expect, it } from 'vitest';
import { designPolyphaseFilter, polyphaseFilterFor } from './polyphase-filter.js';

const design = { inputRate: 44100, outputRate: 16000, attenuationDb: 70, passbandRatio: 0.875, phases: 160 };

describe('polyphase filter design', () => {
  const { taps, phases, coefficients } = designPolyphaseFilter(design);
  const row = (p: number): Float64Array => coefficients.subarray(p * taps, (p + 1) * taps);

  it('has whole rows for every phase plus the closing one, in a multiple of 4 taps', () => {
    expect(phases).toBe(160);
    expect(taps % 4).toBe(0);
    expect(coefficients.length).toBe((phases + 1) * taps);
  });

  it('gives every row unity DC gain', () => {
    for (let p = 0; p <= phases; p++) expect(row(p).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('is zero-phase: row p mirrored is row phases - p, and row 0 peaks at its centre tap', () => {
    for (const p of [0, 1, 37, 80]) {
      const mirrored = row(phases - p);
      row(p).forEach((c, j) => expect(c).toBeCloseTo(mirrored[taps - 1 - j]!, 12));
    }
    const centre = row(0);
    expect(centre.indexOf(Math.max(...centre))).toBe(taps / 2 - 1);
  });

  it('lengthens the kernel for a narrower transition band', () => {
    expect(designPolyphaseFilter({ ...design, passbandRatio: 0.95 }).taps).toBeGreaterThan(2 * taps);
  });

  it('shares one bank per design', () => {
    expect(polyphaseFilterFor(design)).toBe(polyphaseFilterFor({ ...design }));
    expect(polyphaseFilterFor(design)).not.toBe(polyphaseFilterFor({ ...design, attenuationDb: 60 }));
  });
});
