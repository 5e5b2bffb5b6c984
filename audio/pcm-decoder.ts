import { ParleyError } from '../proto/errors.js';
import { type AudioEncoding, bytesPerSample } from './audio-encoding.js';
import { ALAW_DECODE_TABLE, MULAW_DECODE_TABLE, linearToAlaw, linearToMulaw } from './g711.js';

const INT16_SCALE = 32768;

/**
 * Decodes raw bytes into interleaved float samples in [-1, 1) (pcm_f32le is passed
 * through unscaled). Reads through a DataView so any byteOffset works: ws hands out
 * Buffers that are slices of a pool and often unaligned.
 */
export function decodeSamples(bytes: Uint8Array, encoding: AudioEncoding, channels: number): Float32Array {
  if (!Number.isInteger(channels) || channels < 1) {
    throw new ParleyError('bad_config', `channels must be a positive integer, got ${channels}`);
  }
  const width = bytesPerSample(encoding);
  const frameBytes = width * channels;
  if (bytes.length % frameBytes !== 0) {
    throw new ParleyError(
      'bad_audio',
      `${bytes.length} bytes is not a whole number of ${encoding} frames (${frameBytes} bytes for ${channels} channel(s))`,
    );
  }
  const out = new Float32Array(bytes.length / width);
  switch (encoding) {
    case 'pcm_s16le': {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true) / INT16_SCALE;
      break;
    }
    case 'pcm_f32le': {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < out.length; i++) {
        const v = view.getFloat32(i * 4, true);
        if (!Number.isFinite(v)) throw new ParleyError('bad_audio', `non-finite float sample at index ${i}`);
        out[i] = v;
      }
      break;
    }
    case 'mulaw':
      for (let i = 0; i < out.length; i++) out[i] = MULAW_DECODE_TABLE[bytes[i]!]! / INT16_SCALE;
      break;
    case 'alaw':
      for (let i = 0; i < out.length; i++) out[i] = ALAW_DECODE_TABLE[bytes[i]!]! / INT16_SCALE;
      break;
  }
  return out;
}

/** Float sample -> int16, clipping to the int16 range. */
function floatToInt16(v: number, index: number): number {
  if (!Number.isFinite(v)) throw new ParleyError('bad_audio', `non-finite float sample at index ${index}`);
  const s = Math.round(v * INT16_SCALE);
  return s > 32767 ? 32767 : s < -32768 ? -32768 : s;
}

/** Inverse of decodeSamples: interleaved floats -> bytes, clipping to the encoding's range. */
export function encodeSamples(samples: Float32Array, encoding: AudioEncoding): Uint8Array {
  const out = new Uint8Array(samples.length * bytesPerSample(encoding));
  const view = new DataView(out.buffer);
  switch (encoding) {
    case 'pcm_s16le':
      for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, floatToInt16(samples[i]!, i), true);
      break;
    case 'pcm_f32le':
      for (let i = 0; i < samples.length; i++) {
        const v = samples[i]!;
        if (!Number.isFinite(v)) throw new ParleyError('bad_audio', `non-finite float sample at index ${i}`);
        view.setFloat32(i * 4, v, true);
      }
      break;
    case 'mulaw':
      for (let i = 0; i < samples.length; i++) out[i] = linearToMulaw(floatToInt16(samples[i]!, i));
      break;
    case 'alaw':
      for (let i = 0; i < samples.length; i++) out[i] = linearToAlaw(floatToInt16(samples[i]!, i));
      break;
  }
  return out;
}
