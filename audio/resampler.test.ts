import { describe, expect, it } from 'vitest';
import { ParleyError } from '../proto/errors.js';
import { concatSamples } from './concat-samples.js';
import { StreamingResampler } from './resampler.js';

const INPUT_RATES = [8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000];
const AMPLITUDE = 0.5;
/** Edge of each output ignored by level measurements: the filter sees the zeros before the stream. */
const EDGE_MS = 20;

function tone(freq: number, rate: number, count: number, amplitude = AMPLITUDE): Float32Array {
  return Float32Array.from({ length: count }, (_, n) => amplitude * Math.sin((2 * Math.PI * freq * n) / rate));
}

function resampleAll(input: Float32Array, inputRate: number, outputRate = 16000): Float32Array {
  const r = new StreamingResampler(inputRate, outputRate);
  const head = r.process(input);
  const tail = r.flush();
  const out = new Float32Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

function middle(x: Float32Array, rate: number): Float32Array {
  const edge = Math.round((EDGE_MS * rate) / 1000);
  return x.subarray(edge, x.length - edge);
}

function rms(x: Float32Array): number {
  let sum = 0;
  for (const v of x) sum += v * v;
  return Math.sqrt(sum / x.length);
}

function db(ratio: number): number {
  return 20 * Math.log10(ratio);
}

/** Frequency from the first and last upward zero crossings, located by linear interpolation. */
function zeroCrossingFrequency(x: Float32Array, rate: number): number {
  const crossings: number[] = [];
  for (let i = 1; i < x.length; i++) {
    if (x[i - 1]! < 0 && x[i]! >= 0) crossings.push(i - 1 + x[i - 1]! / (x[i - 1]! - x[i]!));
  }
  return ((crossings.length - 1) * rate) / (crossings.at(-1)! - crossings[0]!);
}

/** Amplitude of the component at `freq` (Hann-windowed DFT bin, so leakage stays far below -40 dB). */
function amplitudeAt(x: Float32Array, rate: number, freq: number): number {
  let re = 0;
  let im = 0;
  let windowSum = 0;
  for (let n = 0; n < x.length; n++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / (x.length - 1));
    const phase = (2 * Math.PI * freq * n) / rate;
    re += w * x[n]! * Math.cos(phase);
    im += w * x[n]! * Math.sin(phase);
    windowSum += w;
  }
  return (2 * Math.hypot(re, im)) / windowSum;
}

/** Deterministic PRNG (mulberry32) so a failing chunking is reproducible. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function resampleInChunks(input: Float32Array, inputRate: number, outputRate: number, seed: number): Float32Array {
  const next = random(seed);
  const r = new StreamingResampler(inputRate, outputRate);
  const parts: Float32Array[] = [];
  for (let at = 0; at < input.length; ) {
    const u = next();
    // Mostly tiny chunks (0, 1, a few samples), sometimes large ones.
    const size = u < 0.1 ? 0 : u < 0.3 ? 1 : u < 0.8 ? Math.floor(next() * 8) : Math.floor(next() * 2000);
    parts.push(r.process(input.subarray(at, at + size)));
    at += size;
  }
  parts.push(r.flush());
  return concatSamples(parts);
}

describe.each(INPUT_RATES)('StreamingResampler %i Hz -> 16 kHz', (inputRate) => {
  const oneSecond = tone(1000, inputRate, inputRate);

  it('emits ceil(n * 16000 / inputRate) samples over a whole stream', () => {
    for (const n of [0, 1, 2, 7, 441, 1001, inputRate]) {
      expect(resampleAll(new Float32Array(n), inputRate), `n=${n}`).toHaveLength(Math.ceil((n * 16000) / inputRate));
    }
  });

  it('keeps a 1 kHz tone at its frequency and level', () => {
    const out = middle(resampleAll(oneSecond, inputRate), 16000);
    expect(zeroCrossingFrequency(out, 16000)).toBeCloseTo(1000, 1);
    expect(Math.abs(db(rms(out) / (AMPLITUDE / Math.SQRT2)))).toBeLessThan(0.5);
  });

  it('places output sample k at input time k / 16000 (no delay, no images)', () => {
    const out = resampleAll(oneSecond, inputRate);
    const ideal = tone(1000, 16000, out.length);
    const residual = middle(out.map((v, k) => v - ideal[k]!), 16000);
    // -50 dB below the tone: a shift of one 48 kHz input sample would leave about -14 dB.
    expect(db(rms(residual) / (AMPLITUDE / Math.SQRT2))).toBeLessThan(-50);
  });

  it('passes the top of the passband within 0.5 dB', () => {
    // Passband edge: 7/8 of the lower Nyquist frequency.
    const freq = (0.875 * Math.min(inputRate, 16000)) / 2;
    const out = middle(resampleAll(tone(freq, inputRate, inputRate), inputRate), 16000);
    expect(Math.abs(db(rms(out) / (AMPLITUDE / Math.SQRT2)))).toBeLessThan(0.5);
  });

  it('gives the same samples however the input is chunked', () => {
    const noise = Float32Array.from({ length: inputRate / 4 }, random(inputRate)).map((v) => v - 0.5);
    const whole = resampleAll(noise, inputRate);
    for (const seed of [1, 2, 3]) expect(resampleInChunks(noise, inputRate, 16000, seed)).toEqual(whole);
  });
});

describe.each(INPUT_RATES.filter((r) => r > 16000))('StreamingResampler %i Hz: anti-aliasing', (inputRate) => {
  const frequencies = [8500, 9000, 10000, Math.floor(0.95 * (inputRate / 2))];

  it.each(frequencies)('attenuates a %i Hz tone by at least 40 dB', (freq) => {
    const out = middle(resampleAll(tone(freq, inputRate, inputRate), inputRate), 16000);
    expect(db(rms(out) / (AMPLITUDE / Math.SQRT2))).toBeLessThan(-40);
  });
});

describe('StreamingResampler upsampling: anti-imaging', () => {
  it.each([
    [8000, 7000],
    [11025, 16000 - (11025 - 1000)],
  ])('%i Hz: a 1 kHz tone leaves no image at %i Hz above -40 dB', (inputRate, image) => {
    const out = middle(resampleAll(tone(1000, inputRate, inputRate), inputRate), 16000);
    const signal = amplitudeAt(out, 16000, 1000);
    expect(db(signal / AMPLITUDE)).toBeGreaterThan(-0.5);
    expect(db(amplitudeAt(out, 16000, image) / signal)).toBeLessThan(-40);
  });
});

describe('StreamingResampler, other rates and behaviour', () => {
  it.each([
    [12345, 16000],
    [47999, 16000],
    [16000, 48000],
    [44100, 8000],
  ])('%i Hz -> %i Hz keeps timing and chunking invariance', (inputRate, outputRate) => {
    const input = tone(1000, inputRate, inputRate / 2);
    const out = resampleAll(input, inputRate, outputRate);
    expect(out).toHaveLength(Math.ceil((input.length * outputRate) / inputRate));
    const ideal = tone(1000, outputRate, out.length);
    const residual = middle(out.map((v, k) => v - ideal[k]!), outputRate);
    expect(db(rms(residual) / (AMPLITUDE / Math.SQRT2))).toBeLessThan(-50);
    expect(resampleInChunks(input, inputRate, outputRate, 7)).toEqual(out);
  });

  it('passes 16 kHz through without copying', () => {
    const r = new StreamingResampler(16000);
    const input = Float32Array.of(0.1, 0.2);
    expect(r.process(input)).toBe(input);
    expect(r.flush()).toHaveLength(0);
    expect(r.lookaheadMs).toBe(0);
  });

  it('reports no delay and a lookahead of a few ms', () => {
    const r = new StreamingResampler(48000);
    expect(r.delaySamples).toBe(0);
    expect(r.lookaheadMs).toBeGreaterThan(1);
    expect(r.lookaheadMs).toBeLessThan(10);
  });

  it.each([8000, 44100])('%i Hz: holds back exactly the lookahead until flush', (inputRate) => {
    const r = new StreamingResampler(inputRate);
    const n = 5000;
    const emitted = r.process(new Float32Array(n)).length;
    // Out: every output whose instant lies more than the lookahead before the end of the input.
    expect(emitted).toBe(Math.ceil(((n - r.lookaheadSamples) * 16000) / inputRate));
    expect(emitted + r.flush().length).toBe(Math.ceil((n * 16000) / inputRate));
  });

  it('starts a fresh stream after flush', () => {
    const input = tone(440, 44100, 3000);
    const r = new StreamingResampler(44100);
    r.process(tone(3000, 44100, 777));
    r.flush();
    const again = [...r.process(input), ...r.flush()];
    expect(Float32Array.from(again)).toEqual(resampleAll(input, 44100));
  });

  it('rejects rates outside 8000..48000 and non-integer rates', () => {
    for (const [input, output] of [[7999, 16000], [48001, 16000], [44100.5, 16000], [NaN, 16000], [16000, 96000]]) {
      try {
        new StreamingResampler(input!, output);
        expect.fail(`accepted ${input} -> ${output}`);
      } catch (e) {
        expect((e as ParleyError).code).toBe('bad_config');
      }
    }
  });
});
