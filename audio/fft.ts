import { ParleyError } from '../proto/errors.js';

/**
 * Spectrum of a real sequence whose length is a power of two, by the usual trick:
 * the n real samples are packed as n/2 complex ones, transformed by an iterative radix-2
 * FFT, and the two interleaved half-length spectra are separated afterwards. Twiddles and
 * the bit-reversal permutation are computed once per size.
 *
 * The instance owns its scratch buffers, so one instance serves every stream of its size
 * (calls are synchronous and never interleave), but it is not re-entrant.
 */
export class RealFft {
  /** Bins `transform` writes: 0 (DC) to size / 2 (Nyquist) inclusive. */
  readonly bins: number;
  private readonly half: number;
  /** Where each packed complex input lands so that the butterflies run in place. */
  private readonly bitReverse: Uint32Array;
  /** cos and sin of 2 pi t / size for t < size / 2: serves every butterfly stage and the split. */
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 4 || (size & (size - 1)) !== 0 || size > 1 << 24) {
      throw new ParleyError('bad_config', `FFT size must be a power of two from 4 to 2^24, got ${size}`);
    }
    const half = size / 2;
    this.half = half;
    this.bins = half + 1;
    this.cos = new Float64Array(half);
    this.sin = new Float64Array(half);
    for (let t = 0; t < half; t++) {
      this.cos[t] = Math.cos((2 * Math.PI * t) / size);
      this.sin[t] = Math.sin((2 * Math.PI * t) / size);
    }
    const bits = Math.log2(half);
    this.bitReverse = new Uint32Array(half);
    for (let i = 0; i < half; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.bitReverse[i] = r;
    }
    this.re = new Float64Array(half);
    this.im = new Float64Array(half);
  }

  /** Writes X[k] for k = 0..size/2 of `input` (length `size`) into `outRe` and `outIm` (length `bins`). */
  transform(input: Float32Array | Float64Array, outRe: Float64Array, outIm: Float64Array): void {
    const { half, re, im, cos, sin } = this;
    for (let n = 0; n < half; n++) {
      const at = this.bitReverse[n]!;
      re[at] = input[2 * n]!;
      im[at] = input[2 * n + 1]!;
    }
    // Decimation in time: stage `len` combines pairs of len/2-point spectra; its twiddle
    // exp(-2 pi i j / len) is entry j * (size / len) of the table.
    for (let len = 2; len <= half; len *= 2) {
      const span = len / 2;
      const stride = this.size / len;
      for (let start = 0; start < half; start += len) {
        for (let j = 0; j < span; j++) {
          const wr = cos[j * stride]!;
          const wi = -sin[j * stride]!;
          const a = start + j;
          const b = a + span;
          const tr = re[b]! * wr - im[b]! * wi;
          const ti = re[b]! * wi + im[b]! * wr;
          re[b] = re[a]! - tr;
          im[b] = im[a]! - ti;
          re[a] = re[a]! + tr;
          im[a] = im[a]! + ti;
        }
      }
    }
    // Split: with Z the packed spectrum, the even samples' spectrum is E[k] = (Z[k] +
    // conj Z[half-k]) / 2, the odd samples' is O[k] = (Z[k] - conj Z[half-k]) / 2i, and
    // X[k] = E[k] + exp(-2 pi i k / size) O[k]. DC and Nyquist are real.
    outRe[0] = re[0]! + im[0]!;
    outIm[0] = 0;
    outRe[half] = re[0]! - im[0]!;
    outIm[half] = 0;
    for (let k = 1; k < half; k++) {
      const cr = re[half - k]!;
      const ci = -im[half - k]!;
      const er = (re[k]! + cr) / 2;
      const ei = (im[k]! + ci) / 2;
      const or = (im[k]! - ci) / 2;
      const oi = -(re[k]! - cr) / 2;
      outRe[k] = er + cos[k]! * or + sin[k]! * oi;
      outIm[k] = ei + cos[k]! * oi - sin[k]! * or;
    }
  }
}
