import { ParleyError } from '../proto/errors.js';

/** Splits interleaved frames into one array per channel; mono is returned as is, uncopied. */
export function deinterleave(interleaved: Float32Array, channels: number): Float32Array[] {
  if (!Number.isInteger(channels) || channels < 1) {
    throw new ParleyError('bad_config', `channels must be a positive integer, got ${channels}`);
  }
  if (channels === 1) return [interleaved];
  if (interleaved.length % channels !== 0) {
    throw new ParleyError('bad_audio', `${interleaved.length} samples is not a whole number of ${channels}-channel frames`);
  }
  const frames = interleaved.length / channels;
  const out: Float32Array[] = [];
  for (let c = 0; c < channels; c++) {
    const channel = new Float32Array(frames);
    for (let f = 0, i = c; f < frames; f++, i += channels) channel[f] = interleaved[i]!;
    out.push(channel);
  }
  return out;
}

/** Inverse of deinterleave; every channel must have the same length. */
export function interleave(channels: Float32Array[]): Float32Array {
  const count = channels.length;
  if (count === 0) throw new ParleyError('bad_config', 'interleave needs at least one channel');
  const frames = channels[0]!.length;
  if (channels.some((c) => c.length !== frames)) {
    throw new ParleyError('bad_audio', 'channels to interleave differ in length');
  }
  const out = new Float32Array(frames * count);
  for (let c = 0; c < count; c++) {
    const channel = channels[c]!;
    for (let f = 0, i = c; f < frames; f++, i += count) out[i] = channel[f]!;
  }
  return out;
}
