import { readFileSync } from 'node:fs';
import { concatSamples } from '../../audio/concat-samples.js';
import { decodeSamples } from '../../audio/pcm-decoder.js';
import { StreamingResampler } from '../../audio/resampler.js';
import { TESTDATA_DIR } from './librivox.js';

/** pocketsphinx-testdata's goforward.raw ("go forward ten meters"), 16 kHz mono. */
export function goForward(): Float32Array {
  const raw = readFileSync(`${TESTDATA_DIR}/goforward.raw`);
  return decodeSamples(new Uint8Array(raw.buffer, raw.byteOffset, raw.length), 'pcm_s16le', 1);
}

/** Whole-signal resampling through the project's own band-limited resampler. */
function resampleAll(samples: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return samples;
  const resampler = new StreamingResampler(from, to);
  return concatAudio(resampler.process(samples), resampler.flush());
}

export function at16kTo(samples: Float32Array, rate: number): Float32Array {
  return resampleAll(samples, 16000, rate);
}

export function resampleTo16k(samples: Float32Array, rate: number): Float32Array {
  return resampleAll(samples, rate, 16000);
}

export function silence(ms: number, rate = 16000): Float32Array {
  return new Float32Array(Math.round((ms * rate) / 1000));
}

export function concatAudio(...parts: Float32Array[]): Float32Array {
  return concatSamples(parts);
}
