export { AUDIO_ENCODINGS, type AudioEncoding, bytesPerSample, isAudioEncoding } from './audio-encoding.js';
export {
  ALAW_DECODE_TABLE,
  MULAW_DECODE_TABLE,
  alawToLinear,
  linearToAlaw,
  linearToMulaw,
  mulawToLinear,
} from './g711.js';
export { decodeSamples, encodeSamples } from './pcm-decoder.js';
export { deinterleave, interleave } from './deinterleave.js';
export { MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, type ResamplerOptions, StreamingResampler } from './resampler.js';
export { type WavAudio, readWav, writeWav } from './wav.js';
export { concatSamples } from './concat-samples.js';
export { toInt16 } from './to-int16.js';
