import { basename } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpeechGate } from './speech-gate.js';
import { librivoxWavPaths, readPcm16Wav } from './testing/librivox-wav.js';
import { VadEngine } from './vad-engine.js';

const SAMPLES_PER_MS = 16;
const TOLERANCE_MS = 300;

interface Segment {
  startMs: number;
  endMs: number;
}

interface Detection {
  segments: Segment[];
  /** Still speaking when the audio ended. */
  open: boolean;
}

function withSilence(samples: Float32Array, silenceMs: number): Float32Array {
  const pad = silenceMs * SAMPLES_PER_MS;
  const out = new Float32Array(samples.length + 2 * pad);
  out.set(samples, pad);
  return out;
}

/** Deterministic uniform noise in [-amplitude, amplitude]. */
function whiteNoise(ms: number, amplitude: number): Float32Array {
  let seed = 12345;
  return Float32Array.from({ length: ms * SAMPLES_PER_MS }, () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed / 2 ** 32 * 2 - 1) * amplitude;
  });
}

describe('VAD + SpeechGate place speech in real recordings', () => {
  let engine: VadEngine;

  beforeAll(async () => {
    engine = await VadEngine.load();
  });

  afterAll(async () => {
    await engine.close();
  });

  async function detect(samples: Float32Array): Promise<Detection> {
    const stream = engine.openStream();
    const gate = new SpeechGate();
    const segments: Segment[] = [];
    let endMs = 0;
    for (const chunk of await stream.push(samples)) {
      const decision = gate.update(chunk);
      if (decision.started !== undefined) segments.push({ startMs: decision.started, endMs: Number.NaN });
      if (decision.stopped !== undefined) segments.at(-1)!.endMs = decision.stopped;
      endMs = chunk.endMs;
    }
    stream.close();
    if (gate.speaking) segments.at(-1)!.endMs = endMs;
    return { segments, open: gate.speaking };
  }

  for (const path of librivoxWavPaths()) {
    it(`finds the utterance in ${basename(path)}, alone and between 2 s of silence`, async () => {
      const samples = readPcm16Wav(path);
      const durationMs = samples.length / SAMPLES_PER_MS;
      const bare = await detect(samples);
      expect(bare.segments.length).toBeGreaterThan(0);
      const first = bare.segments[0]!;
      const last = bare.segments.at(-1)!;
      expect(first.startMs).toBeLessThanOrEqual(Math.min(1000, 0.1 * durationMs));
      expect(last.endMs).toBeGreaterThanOrEqual(0.9 * durationMs);
      const speechMs = bare.segments.reduce((sum, s) => sum + s.endMs - s.startMs, 0);
      expect(speechMs).toBeGreaterThanOrEqual(0.75 * durationMs);

      const padded = await detect(withSilence(samples, 2000));
      expect(padded.open).toBe(false);
      const paddedFirst = padded.segments[0]!;
      const paddedLast = padded.segments.at(-1)!;
      expect(paddedFirst.startMs).toBeGreaterThanOrEqual(2000 - TOLERANCE_MS);
      expect(Math.abs(paddedFirst.startMs - (first.startMs + 2000))).toBeLessThanOrEqual(TOLERANCE_MS);
      expect(paddedLast.endMs).toBeLessThanOrEqual(2000 + durationMs + TOLERANCE_MS);
      expect(Math.abs(paddedLast.endMs - (last.endMs + 2000))).toBeLessThanOrEqual(TOLERANCE_MS);
    });
  }

  it('finds no speech in digital silence or in low white noise', async () => {
    expect((await detect(new Float32Array(5000 * SAMPLES_PER_MS))).segments).toEqual([]);
    expect((await detect(whiteNoise(5000, 0.01))).segments).toEqual([]);
  });
});
