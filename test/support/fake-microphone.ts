import { writeFileSync } from 'node:fs';
import { encodeSamples } from '../../audio/pcm-decoder.js';
import { writeWav } from '../../audio/wav.js';
import { buildCall, type PlacedUtterance } from './call-builder.js';
import type { Utterance } from './librivox.js';

export interface FakeMicrophoneRecording {
  /** A 16 kHz PCM16 WAV for Chromium's `--use-file-for-fake-audio-capture`. */
  path: string;
  utterances: Utterance[];
  /** Where each utterance lies in the file (ms from its start). */
  placed: PlacedUtterance[];
  durationMs: number;
}

/**
 * What Chromium's fake microphone plays: real speech with known silence before, between and
 * after the utterances, so each turn's boundaries are known from how the file was built.
 */
export function writeFakeMicrophoneWav(path: string, utterances: Utterance[], gapMs: number): FakeMicrophoneRecording {
  const call = buildCall(
    utterances.map((u) => u.samples),
    gapMs,
  );
  writeFileSync(path, writeWav({ encoding: 'pcm_s16le', sampleRate: 16000, channels: 1, data: encodeSamples(call.samples, 'pcm_s16le') }));
  return { path, utterances, placed: call.placed, durationMs: (call.samples.length * 1000) / 16000 };
}
