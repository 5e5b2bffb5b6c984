import { describe, expect, it } from 'vitest';
import { AUDIO_ENCODINGS, bytesPerSample, isAudioEncoding } from './audio-encoding.js';

describe('audio encodings', () => {
  it('lists the four wire encodings with their sample widths', () => {
    expect(AUDIO_ENCODINGS.map((e) => [e, bytesPerSample(e)])).toEqual([
      ['pcm_s16le', 2],
      ['pcm_f32le', 4],
      ['mulaw', 1],
      ['alaw', 1],
    ]);
  });

  it('recognizes only those names', () => {
    for (const e of AUDIO_ENCODINGS) expect(isAudioEncoding(e)).toBe(true);
    for (const x of ['PCM_S16LE', 'opus', 'ulaw', '', 16, null, undefined, { e: 'mulaw' }]) {
      expect(isAudioEncoding(x)).toBe(false);
    }
  });
});
