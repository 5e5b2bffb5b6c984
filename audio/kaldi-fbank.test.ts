import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ParleyError } from '../proto/errors.js';
import { concatSamples } from './concat-samples.js';
import { RealFft } from './fft.js';
import { type FbankOptions, StreamingFbank } from './kaldi-fbank.js';

/** Written by scripts/models/fbank-reference.py; see fbank.json for sources and options. */
const FIXTURES = new URL('../test/fixtures/fbank/', import.meta.url);

interface FixtureCase {
  name: string;
  samples: number;
  frames: number;
  bins: number;
}

const CASES = (JSON.parse(readFileSync(new URL('fbank.json', FIXTURES), 'utf8')) as { cases: FixtureCase[] }).cases;

/**
 * Largest element difference allowed against a float32 reference, in natural-log energy.
 * Measured: 3.8e-4 against torchaudio 0.13.1 and 3.1e-4 against kaldi-native-fbank (in
 * sherpa-onnx-node 1.13.8), both in near-silent bins of the speech cases; the references
 * differ from each other by 2.5e-4, and torchaudio from itself run in float64 by 3.7e-4.
 */
const MAX_ABS_DIFF = 5e-4;
/** Mean element difference allowed: measured 3e-6 to 4e-6 against either reference. */
const MEAN_ABS_DIFF = 1e-5;
/** ln(FLT_EPSILON) as float32: Kaldi's floor under every log mel energy. */
const LOG_FLOOR = Math.fround(Math.log(2 ** -23));

function fixture(name: string): Buffer {
  return readFileSync(new URL(name, FIXTURES));
}

/** The fixture's int16 samples as floats in [-1, 1], as a transport hands them over. */
function speech(name: string): Float32Array {
  const bytes = fixture(`${name}.s16`);
  return Float32Array.from(new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2), (v) => v / 32768);
}

function reference(name: string): Float32Array {
  const bytes = fixture(`${name}.f32`);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

interface Extraction {
  features: Float32Array;
  /** Frames returned before `finish()`. */
  streamed: number;
}

function extract(samples: Float32Array, chunk = samples.length || 1, options?: FbankOptions): Extraction {
  const fbank = new StreamingFbank(options);
  const parts: Float32Array[] = [];
  for (let at = 0; at < samples.length; at += chunk) parts.push(fbank.accept(samples.subarray(at, at + chunk)));
  const streamed = fbank.framesEmitted;
  parts.push(fbank.finish());
  return { features: concatSamples(parts), streamed };
}

function differences(a: Float32Array, b: Float32Array): { max: number; mean: number } {
  expect(a.length).toBe(b.length);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / a.length };
}

function bytesOf(x: Float32Array): Buffer {
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength);
}

/** Kaldi's frame count for n samples, snip_edges false, after the input is finished. */
function framesFor(samples: number): number {
  return Math.floor((samples + 80) / 160);
}

describe('StreamingFbank against torchaudio.compliance.kaldi.fbank', () => {
  it.each(CASES)('$name: same frames within tolerance', ({ name, samples, frames, bins }) => {
    const input = speech(name);
    expect(input.length).toBe(samples);
    const { features } = extract(input);
    expect(frames).toBe(framesFor(samples));
    expect(features.length).toBe(frames * bins);
    const { max, mean } = differences(features, reference(name));
    expect(max).toBeLessThan(MAX_ABS_DIFF);
    expect(mean).toBeLessThan(MEAN_ABS_DIFF);
  });

  it('holds back the last frame, whose window runs past the input, until finish', () => {
    // 56077 samples: frame 348 ends at sample 55960, frame 349 would need 56120.
    const { streamed, features } = extract(speech('speech-0870'));
    expect(streamed).toBe(349);
    expect(features.length / 80).toBe(350);
  });
});

describe('StreamingFbank against kaldi-native-fbank (sherpa-onnx-node)', () => {
  // A pass-through "speaker embedding" model: sherpa-onnx computes its fbank and the model
  // returns it unchanged (see scripts/models/fbank-reference.py).
  const sherpa = createRequire(import.meta.url)('sherpa-onnx-node') as {
    SpeakerEmbeddingExtractor: new (config: { model: string; numThreads: number }) => {
      createStream(): { acceptWaveform(wave: { samples: Float32Array; sampleRate: number }): void; inputFinished(): void };
      isReady(stream: unknown): boolean;
      compute(stream: unknown, enableExternalBuffer?: boolean): Float32Array;
    };
  };

  it.each(CASES)('$name: same frames within tolerance', ({ name, frames }) => {
    const input = speech(name);
    const extractor = new sherpa.SpeakerEmbeddingExtractor({ model: fileURLToPath(new URL(`${name}.onnx`, FIXTURES)), numThreads: 1 });
    const stream = extractor.createStream();
    stream.acceptWaveform({ samples: input, sampleRate: 16000 });
    stream.inputFinished();
    expect(extractor.isReady(stream)).toBe(true);
    const knf = Float32Array.from(extractor.compute(stream, false));
    expect(knf.length).toBe(frames * 80);
    const { max, mean } = differences(extract(input).features, knf);
    expect(max).toBeLessThan(MAX_ABS_DIFF);
    expect(mean).toBeLessThan(MEAN_ABS_DIFF);
  });
});

describe('StreamingFbank streaming', () => {
  it.each([1, 160, 333, 512, 16000])('gives bit-identical frames fed %i samples at a time', (chunk) => {
    const input = speech('speech-0920');
    const whole = extract(input);
    const chunked = extract(input, chunk);
    expect(chunked.streamed).toBe(whole.streamed);
    expect(bytesOf(chunked.features).equals(bytesOf(whole.features))).toBe(true);
  });

  it('returns each frame as soon as its window is complete', () => {
    // Frame 0 covers samples -120..279 (mirrored before 0), frame 1 40..439, frame 2 200..599.
    const input = speech('speech-0870');
    const fbank = new StreamingFbank();
    expect(fbank.accept(input.subarray(0, 279)).length).toBe(0);
    expect(fbank.accept(input.subarray(279, 280)).length).toBe(80);
    expect(fbank.accept(input.subarray(280, 439)).length).toBe(0);
    expect(fbank.accept(input.subarray(439, 600)).length).toBe(160);
    expect(fbank.framesEmitted).toBe(3);
  });
});

describe('StreamingFbank edge cases', () => {
  it('gives no frames for empty input', () => {
    const fbank = new StreamingFbank();
    expect(fbank.accept(new Float32Array(0)).length).toBe(0);
    expect(fbank.finish().length).toBe(0);
    expect(fbank.framesEmitted).toBe(0);
  });

  it.each([
    [79, 0, 0],
    [80, 0, 1],
    [100, 0, 1],
    [239, 0, 1],
    [240, 0, 2],
    [280, 1, 2],
    [399, 1, 2],
  ])('fewer samples than a window: %i samples stream %i frames, finish completes %i', (samples, before, frames) => {
    const { features, streamed } = extract(speech('speech-0870').subarray(24000, 24000 + samples));
    expect(streamed).toBe(before);
    expect(features.length).toBe(frames * 80);
    expect(frames).toBe(framesFor(samples));
    expect(features.every(Number.isFinite)).toBe(true);
  });

  it('gives the log energy floor for silence, never -Infinity or NaN', () => {
    const { features } = extract(new Float32Array(16000), 1000);
    expect(features.length).toBe(100 * 80);
    expect(features.every((v) => v === LOG_FLOOR)).toBe(true);
    expect(LOG_FLOOR).toBeCloseTo(-15.942385, 6);
  });

  it('returns nothing more when finished twice', () => {
    const fbank = new StreamingFbank();
    fbank.accept(speech('short-450'));
    expect(fbank.finish().length).toBe(80);
    expect(fbank.finish().length).toBe(0);
    expect(fbank.framesEmitted).toBe(3);
  });

  it('refuses audio after finish, even an empty chunk', () => {
    const fbank = new StreamingFbank();
    fbank.accept(speech('short-100'));
    fbank.finish();
    for (const samples of [new Float32Array(160), new Float32Array(0)]) {
      expect(() => fbank.accept(samples)).toThrow(expect.objectContaining({ name: 'ParleyError', code: 'bad_request' }));
    }
  });

  it('scales samples by sampleScale: log energies move by 2 ln(scale)', () => {
    const input = speech('speech-0870');
    const unit = extract(input).features;
    const int16 = extract(input, undefined, { sampleScale: 32768 }).features;
    const shift = 2 * Math.log(32768);
    let compared = 0;
    for (let i = 0; i < unit.length; i++) {
      if (unit[i]! < LOG_FLOOR + 1) continue; // near the floor the floor itself does not scale
      expect(Math.abs(int16[i]! - unit[i]! - shift)).toBeLessThan(1e-4);
      compared++;
    }
    expect(compared).toBeGreaterThan(unit.length * 0.99);
  });

  it.each<[string, FbankOptions]>([
    ['too many mel bins for the FFT', { melBins: 200 }],
    ['a mel range above Nyquist', { highFreqHz: 9000 }],
    ['a zero sample scale', { sampleScale: 0 }],
    ['a fractional sample rate', { sampleRate: 16000.5 }],
  ])('rejects %s as bad_config', (_, options) => {
    expect(() => new StreamingFbank(options)).toThrow(ParleyError);
    expect(() => new StreamingFbank(options)).toThrow(expect.objectContaining({ code: 'bad_config' }));
  });
});

describe('RealFft', () => {
  function naiveDft(x: Float64Array): { re: Float64Array; im: Float64Array } {
    const n = x.length;
    const re = new Float64Array(n / 2 + 1);
    const im = new Float64Array(n / 2 + 1);
    for (let k = 0; k <= n / 2; k++) {
      for (let t = 0; t < n; t++) {
        re[k] += x[t]! * Math.cos((2 * Math.PI * k * t) / n);
        im[k] -= x[t]! * Math.sin((2 * Math.PI * k * t) / n);
      }
    }
    return { re, im };
  }

  it.each([4, 8, 16, 64, 512])('matches a direct DFT at size %i', (size) => {
    let seed = size;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    const x = Float64Array.from({ length: size }, random);
    const fft = new RealFft(size);
    const re = new Float64Array(fft.bins);
    const im = new Float64Array(fft.bins);
    fft.transform(x, re, im);
    const want = naiveDft(x);
    for (let k = 0; k < fft.bins; k++) {
      expect(re[k]).toBeCloseTo(want.re[k]!, 9);
      expect(im[k]).toBeCloseTo(want.im[k]!, 9);
    }
  });

  it.each([0, 2, 6, 400, 1.5])('refuses size %s', (size) => {
    expect(() => new RealFft(size)).toThrow(expect.objectContaining({ code: 'bad_config' }));
  });
});
