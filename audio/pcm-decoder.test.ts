import { describe, expect, it } from 'vitest';
import { ParleyError } from '../proto/errors.js';
import { AUDIO_ENCODINGS, bytesPerSample } from './audio-encoding.js';
import { decodeSamples, encodeSamples } from './pcm-decoder.js';

/** Copies `bytes` to an odd offset of a larger buffer, like a slice of ws's Buffer pool. */
function unaligned(bytes: Uint8Array): Uint8Array {
  const backing = new Uint8Array(bytes.length + 3);
  backing.set(bytes, 1);
  return backing.subarray(1, 1 + bytes.length);
}

function expectBadAudio(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ParleyError);
    expect((e as ParleyError).code).toBe('bad_audio');
    return;
  }
  expect.fail('expected a bad_audio error');
}

describe('decodeSamples', () => {
  it('scales little-endian int16 by 1/32768', () => {
    const bytes = Uint8Array.of(0x00, 0x00, 0xff, 0x7f, 0x00, 0x80, 0x00, 0x40, 0xff, 0xff);
    expect(Array.from(decodeSamples(bytes, 'pcm_s16le', 1))).toEqual([0, 32767 / 32768, -1, 0.5, -1 / 32768]);
  });

  it('decodes G.711 through the reference tables', () => {
    expect(Array.from(decodeSamples(Uint8Array.of(0xff, 0x80, 0x00), 'mulaw', 1))).toEqual([
      0,
      32124 / 32768,
      -32124 / 32768,
    ]);
    expect(Array.from(decodeSamples(Uint8Array.of(0xd5, 0x55, 0xaa), 'alaw', 1))).toEqual([
      8 / 32768,
      -8 / 32768,
      32256 / 32768,
    ]);
  });

  it('passes float32 through and rejects NaN and Infinity', () => {
    const floats = Float32Array.of(0.25, -0.75, 1.5);
    const bytes = new Uint8Array(floats.buffer);
    expect(Array.from(decodeSamples(unaligned(bytes), 'pcm_f32le', 1))).toEqual([0.25, -0.75, 1.5]);
    for (const bad of [NaN, Infinity, -Infinity]) {
      expectBadAudio(() => decodeSamples(new Uint8Array(Float32Array.of(0, bad).buffer), 'pcm_f32le', 2));
    }
  });

  it('reads unaligned views the same as aligned ones', () => {
    const samples = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i) * 0.9);
    for (const encoding of AUDIO_ENCODINGS) {
      const bytes = encodeSamples(samples, encoding);
      expect(decodeSamples(unaligned(bytes), encoding, 2)).toEqual(decodeSamples(bytes, encoding, 2));
    }
  });

  it('rejects byte counts that are not whole frames', () => {
    expectBadAudio(() => decodeSamples(new Uint8Array(3), 'pcm_s16le', 1));
    expectBadAudio(() => decodeSamples(new Uint8Array(6), 'pcm_s16le', 2));
    expectBadAudio(() => decodeSamples(new Uint8Array(6), 'pcm_f32le', 1));
    expectBadAudio(() => decodeSamples(new Uint8Array(3), 'mulaw', 2));
    expect(decodeSamples(new Uint8Array(8), 'pcm_s16le', 2)).toHaveLength(4);
    expect(decodeSamples(new Uint8Array(0), 'alaw', 2)).toHaveLength(0);
  });

  it('rejects a channel count that is not a positive integer', () => {
    for (const channels of [0, -1, 1.5]) {
      expect(() => decodeSamples(new Uint8Array(4), 'pcm_s16le', channels)).toThrow(ParleyError);
    }
  });
});

describe('encodeSamples', () => {
  it('writes little-endian int16 with rounding and clipping', () => {
    const bytes = encodeSamples(Float32Array.of(0, 0.5, -1, 2, -2, 1 / 32768), 'pcm_s16le');
    expect(Array.from(bytes)).toEqual([0, 0, 0x00, 0x40, 0x00, 0x80, 0xff, 0x7f, 0x00, 0x80, 0x01, 0x00]);
  });

  it('clips G.711 to the largest code', () => {
    expect(Array.from(encodeSamples(Float32Array.of(0, 3, -3), 'mulaw'))).toEqual([0xff, 0x80, 0x00]);
    expect(Array.from(encodeSamples(Float32Array.of(0, 3, -3), 'alaw'))).toEqual([0xd5, 0xaa, 0x2a]);
  });

  it('round-trips through decodeSamples within the encoding precision', () => {
    const samples = Float32Array.from({ length: 1000 }, (_, i) => 0.8 * Math.sin(i / 7));
    const tolerance = { pcm_s16le: 1 / 65536, pcm_f32le: 0, mulaw: 0.02, alaw: 0.02 };
    for (const encoding of AUDIO_ENCODINGS) {
      const bytes = encodeSamples(samples, encoding);
      expect(bytes.length).toBe(samples.length * bytesPerSample(encoding));
      const back = decodeSamples(bytes, encoding, 1);
      const worst = back.reduce((m, v, i) => Math.max(m, Math.abs(v - samples[i]!)), 0);
      expect(worst, encoding).toBeLessThanOrEqual(tolerance[encoding]);
    }
  });

  it('rejects non-finite samples', () => {
    for (const encoding of AUDIO_ENCODINGS) expectBadAudio(() => encodeSamples(Float32Array.of(0, NaN), encoding));
  });
});
