import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeSamples } from './pcm-decoder.js';
import { bestPitchPath } from './pitch-path.js';
import { type PitchFrame, trackPitch } from './pitch-tracker.js';
import { readWav } from './wav.js';

const RATE = 16000;

/** Sum of sines at `harmonics` x f0(t), the phase integrated so that f0 may change. */
function tone(seconds: number, f0: (t: number) => number, harmonics: readonly number[] = [1], amplitude = 0.5): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE));
  let phase = 0;
  for (let i = 0; i < out.length; i++) {
    let v = 0;
    for (const h of harmonics) v += Math.sin(h * phase);
    out[i] = (amplitude * v) / harmonics.length;
    phase += (2 * Math.PI * f0(i / RATE)) / RATE;
  }
  return out;
}

/** Deterministic uniform noise in [-amplitude, amplitude] (mulberry32). */
function noise(seconds: number, amplitude = 0.5, seed = 1): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE));
  let s = seed;
  for (let i = 0; i < out.length; i++) {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = amplitude * (2 * (((t ^ (t >>> 14)) >>> 0) / 4294967296) - 1);
  }
  return out;
}

const voiced = (track: PitchFrame[]): PitchFrame[] => track.filter((f) => f.f0Hz !== null);
const semitoneError = (a: number, b: number): number => Math.abs(12 * Math.log2(a / b));

describe('trackPitch on synthetic signals', () => {
  it.each([80, 120, 220, 350])('a %i Hz sine is voiced throughout and within 2 %', (f0) => {
    const track = trackPitch(tone(1, () => f0));
    expect(track.length).toBeGreaterThan(90);
    expect(voiced(track)).toHaveLength(track.length);
    for (const frame of track) {
      expect(Math.abs(frame.f0Hz! / f0 - 1)).toBeLessThan(0.02);
      expect(frame.periodicity).toBeGreaterThan(0.95);
    }
  });

  it('a harmonic complex without its fundamental gives the fundamental, not a harmonic', () => {
    for (const f0 of [100, 150]) {
      const track = trackPitch(tone(1, () => f0, [2, 3, 4, 5, 6]));
      expect(voiced(track)).toHaveLength(track.length);
      for (const frame of track) expect(Math.abs(frame.f0Hz! / f0 - 1)).toBeLessThan(0.02);
    }
  });

  it('a strong second harmonic over a weak fundamental does not flip the track an octave up', () => {
    const f0 = 110;
    const weak = (n: number): number => 0.15 * Math.sin(n) + Math.sin(2 * n) + 0.5 * Math.sin(3 * n);
    const samples = new Float32Array(RATE);
    for (let i = 0; i < samples.length; i++) samples[i] = 0.3 * weak((2 * Math.PI * f0 * i) / RATE);
    for (const frame of trackPitch(samples)) expect(Math.abs(frame.f0Hz! / f0 - 1)).toBeLessThan(0.02);
  });

  it('a linear glide is followed frame by frame, at the true slope, with frame times where they are stated', () => {
    // 120 Hz rising 150 Hz per second: each frame must match f0 at its own timeMs.
    const glide = (t: number): number => 120 + 150 * t;
    const track = trackPitch(tone(1.5, glide, [1, 2, 3]));
    const frames = voiced(track);
    expect(frames).toHaveLength(track.length);
    for (const frame of frames) expect(Math.abs(frame.f0Hz! / glide(frame.timeMs / 1000) - 1)).toBeLessThan(0.01);
    const n = frames.length;
    const meanT = frames.reduce((s, f) => s + f.timeMs / 1000, 0) / n;
    const meanF = frames.reduce((s, f) => s + f.f0Hz!, 0) / n;
    let sxy = 0;
    let sxx = 0;
    for (const f of frames) {
      sxy += (f.timeMs / 1000 - meanT) * (f.f0Hz! - meanF);
      sxx += (f.timeMs / 1000 - meanT) ** 2;
    }
    expect(sxy / sxx).toBeGreaterThan(150 * 0.97);
    expect(sxy / sxx).toBeLessThan(150 * 1.03);
  });

  it('silence and white noise are unvoiced', () => {
    const silence = trackPitch(new Float32Array(RATE));
    expect(silence.length).toBeGreaterThan(90);
    expect(voiced(silence)).toHaveLength(0);
    for (const frame of silence) expect(frame.periodicity).toBe(0);
    for (const seed of [1, 2, 3]) {
      const track = trackPitch(noise(2, 0.5, seed));
      expect(voiced(track).length).toBeLessThanOrEqual(track.length * 0.02);
    }
  });

  it('a quiet stretch after a loud one is unvoiced, even when periodic (the silence threshold)', () => {
    const loud = tone(0.5, () => 150, [1, 2, 3], 0.8);
    const faint = tone(0.5, () => 150, [1, 2, 3], 0.8 * 0.005);
    const samples = new Float32Array(loud.length + faint.length);
    samples.set(loud);
    samples.set(faint, loud.length);
    const track = trackPitch(samples);
    const late = track.filter((f) => f.timeMs > 600);
    expect(late.length).toBeGreaterThan(30);
    expect(voiced(late)).toHaveLength(0);
    expect(voiced(track.filter((f) => f.timeMs < 450))).toHaveLength(track.filter((f) => f.timeMs < 450).length);
  });

  it('frames come every hopMs, centred where they say, only where the whole window fits', () => {
    const samples = tone(1, () => 200);
    const track = trackPitch(samples, { hopMs: 5 });
    // A 50 ms window (three periods of 60 Hz): the first centre is 25 ms in, the last 25 ms before the end.
    expect(track[0]!.timeMs).toBeCloseTo(25, 0);
    expect(1000 - track.at(-1)!.timeMs).toBeGreaterThanOrEqual(24.9);
    expect(1000 - track.at(-1)!.timeMs).toBeLessThan(30);
    for (let f = 1; f < track.length; f++) expect(track[f]!.timeMs - track[f - 1]!.timeMs).toBeCloseTo(5, 6);
    expect(trackPitch(samples.subarray(0, 700))).toEqual([]);
    expect(trackPitch(new Float32Array(0))).toEqual([]);
  });

  it('works at other rates and narrower ranges', () => {
    // Every other sample of a 16 kHz tone is the same tone at 8 kHz.
    const at8k = tone(1, () => 160).filter((_, i) => i % 2 === 0);
    const track = trackPitch(at8k, { sampleRate: 8000 });
    expect(track.length).toBeGreaterThan(90);
    for (const frame of track) expect(Math.abs(frame.f0Hz! / 160 - 1)).toBeLessThan(0.02);
    const low = trackPitch(tone(1, () => 90), { minF0Hz: 75, maxF0Hz: 300 });
    for (const frame of low) expect(Math.abs(frame.f0Hz! / 90 - 1)).toBeLessThan(0.02);
  });

  it('rejects options it cannot honour with bad_config', () => {
    const samples = new Float32Array(RATE);
    const bad = [{ minF0Hz: 200, maxF0Hz: 100 }, { minF0Hz: 0 }, { hopMs: 0 }, { sampleRate: 1000 }, { sampleRate: 16000.5 }];
    for (const options of bad) {
      expect(() => trackPitch(samples, options)).toThrow(expect.objectContaining({ code: 'bad_config' }));
    }
  });
});

describe('bestPitchPath', () => {
  it('keeps a lone frame whose best local candidate is an octave off on the continuous path', () => {
    // Five frames at 200 Hz; frame 2's 100 Hz candidate scores a little higher locally.
    const frames = 5;
    const slots = 3;
    const f0Hz = new Float64Array(frames * slots);
    const score = new Float64Array(frames * slots);
    for (let f = 0; f < frames; f++) {
      score[f * slots] = 0.45;
      f0Hz[f * slots + 1] = 200;
      score[f * slots + 1] = 0.9;
      f0Hz[f * slots + 2] = 100;
      score[f * slots + 2] = f === 2 ? 0.95 : 0.6;
    }
    const lattice = { frames, slots, count: new Uint8Array(frames).fill(3), f0Hz, score };
    expect([...bestPitchPath(lattice, { octaveJump: 0.35, voicedUnvoiced: 0.14 })]).toEqual([1, 1, 1, 1, 1]);
    // Without the jump cost the local winner would be taken: the test can tell the difference.
    expect([...bestPitchPath(lattice, { octaveJump: 0, voicedUnvoiced: 0.14 })]).toEqual([1, 1, 2, 1, 1]);
  });
});

/**
 * Written by scripts/prosody/pitch-reference.py: Praat 6.3.07's "To Pitch (ac)" (standard
 * settings, 60-400 Hz) on four excerpts of real speech; see the fixture for sources.
 */
interface ReferenceCase {
  name: string;
  source: string;
  startSeconds: number;
  endSeconds: number;
  frames: [number, number | null][];
}
const REFERENCE = JSON.parse(readFileSync(new URL('../test/fixtures/prosody/pitch-reference.json', import.meta.url), 'utf8')) as {
  cases: ReferenceCase[];
};

/** The repository root: relative sources (the shared corpus beside the clone) resolve from it. */
const ROOT = new URL('../', import.meta.url);

function excerpt(c: ReferenceCase): { samples: Float32Array; sampleRate: number } {
  const wav = readWav(readFileSync(new URL(c.source, ROOT)));
  const samples = decodeSamples(wav.data, wav.encoding, wav.channels);
  return {
    samples: samples.subarray(Math.round(c.startSeconds * wav.sampleRate), Math.round(c.endSeconds * wav.sampleRate)),
    sampleRate: wav.sampleRate,
  };
}

interface Agreement {
  compared: number;
  bothVoiced: number;
  voicingAgreement: number;
  medianSemitones: number;
  grossRate: number;
}

function agreement(track: PitchFrame[], reference: [number, number | null][]): Agreement {
  const errors: number[] = [];
  let compared = 0;
  let agreeing = 0;
  let gross = 0;
  for (const [seconds, f0] of reference) {
    // Both step 10 ms; Praat centres its frames on the excerpt, so they sit within 5 ms of ours.
    const frame = track.find((f) => Math.abs(f.timeMs - seconds * 1000) <= 5.001);
    if (frame === undefined) continue;
    compared++;
    if ((frame.f0Hz === null) === (f0 === null)) agreeing++;
    if (frame.f0Hz === null || f0 === null) continue;
    errors.push(semitoneError(frame.f0Hz, f0));
    if (Math.abs(frame.f0Hz / f0 - 1) > 0.2) gross++;
  }
  errors.sort((a, b) => a - b);
  return {
    compared,
    bothVoiced: errors.length,
    voicingAgreement: agreeing / compared,
    medianSemitones: errors[errors.length >> 1]!,
    grossRate: gross / errors.length,
  };
}

describe('trackPitch on real speech against Praat', () => {
  /**
   * Measured (this tracker against the fixture): median error 0.009 to 0.017 semitones;
   * voiced/unvoiced agreement 95.1 % (sonnet-1, where this tracker calls more of the edges
   * of voicing voiced) to 99.1 %; gross errors (> 20 % off) 0 % except about-speech-sdk's
   * 2.7 %: 4 frames (1.325 s and 1.385 to 1.405 s) where Praat jumps from 105 to 210 Hz
   * in mid-syllable and this tracker stays at 105, which its neighbours support.
   */
  // The corpus excerpts are checked where the shared corpus sits beside the clone; LibriVox's always.
  const present = REFERENCE.cases.filter((c) => existsSync(new URL(c.source, ROOT)));
  it.each(present.map((c) => [c.name, c] as const))('%s: same F0 frame by frame where both call it voiced', (_, c) => {
    const { samples, sampleRate } = excerpt(c);
    const result = agreement(trackPitch(samples, { sampleRate }), c.frames);
    expect(result.compared).toBeGreaterThan(c.frames.length * 0.95);
    expect(result.bothVoiced).toBeGreaterThan(100);
    expect(result.medianSemitones).toBeLessThan(0.1);
    expect(result.grossRate).toBeLessThan(0.05);
    expect(result.voicingAgreement).toBeGreaterThan(0.9);
  });

});
