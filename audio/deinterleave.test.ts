import { describe, expect, it } from 'vitest';
import { ParleyError } from '../proto/errors.js';
import { deinterleave, interleave } from './deinterleave.js';

describe('deinterleave', () => {
  it('returns mono input itself, uncopied', () => {
    const mono = Float32Array.of(1, 2, 3);
    const [only, ...rest] = deinterleave(mono, 1);
    expect(only).toBe(mono);
    expect(rest).toEqual([]);
  });

  it('splits stereo and three-channel frames', () => {
    expect(deinterleave(Float32Array.of(1, -1, 2, -2, 3, -3), 2)).toEqual([
      Float32Array.of(1, 2, 3),
      Float32Array.of(-1, -2, -3),
    ]);
    expect(deinterleave(Float32Array.of(1, 2, 3, 4, 5, 6), 3)).toEqual([
      Float32Array.of(1, 4),
      Float32Array.of(2, 5),
      Float32Array.of(3, 6),
    ]);
  });

  it('rejects partial frames and bad channel counts', () => {
    expect(() => deinterleave(Float32Array.of(1, 2, 3), 2)).toThrow(ParleyError);
    expect(() => deinterleave(Float32Array.of(1, 2), 0)).toThrow(ParleyError);
  });
});

describe('interleave', () => {
  it('is the inverse of deinterleave', () => {
    const frames = Float32Array.from({ length: 30 }, (_, i) => i * 0.01);
    expect(interleave(deinterleave(frames, 3))).toEqual(frames);
    expect(interleave([Float32Array.of(1, 2), Float32Array.of(3, 4)])).toEqual(Float32Array.of(1, 3, 2, 4));
  });

  it('rejects channels of different lengths and an empty list', () => {
    expect(() => interleave([Float32Array.of(1, 2), Float32Array.of(3)])).toThrow(ParleyError);
    expect(() => interleave([])).toThrow(ParleyError);
  });
});
