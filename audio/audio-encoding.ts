import { AUDIO_ENCODINGS, type AudioEncoding } from '../proto/session-config.js';

// The wire contract owns the list of encodings; audio/ implements them.
export { AUDIO_ENCODINGS, type AudioEncoding };

const BYTES_PER_SAMPLE: Readonly<Record<AudioEncoding, number>> = {
  pcm_s16le: 2,
  pcm_f32le: 4,
  mulaw: 1,
  alaw: 1,
};

/** Bytes one sample of one channel takes. */
export function bytesPerSample(e: AudioEncoding): number {
  return BYTES_PER_SAMPLE[e];
}

export function isAudioEncoding(x: unknown): x is AudioEncoding {
  return typeof x === 'string' && (AUDIO_ENCODINGS as readonly string[]).includes(x);
}
