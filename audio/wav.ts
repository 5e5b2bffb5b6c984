import { ParleyError } from '../proto/errors.js';
import { type AudioEncoding, bytesPerSample } from './audio-encoding.js';

export interface WavAudio {
  encoding: AudioEncoding;
  sampleRate: number;
  channels: number;
  /** Interleaved sample bytes, whole frames only. readWav returns a view into its input. */
  data: Uint8Array;
}

const FORMAT_PCM = 0x0001;
const FORMAT_IEEE_FLOAT = 0x0003;
const FORMAT_ALAW = 0x0006;
const FORMAT_MULAW = 0x0007;
const FORMAT_EXTENSIBLE = 0xfffe;

const FORMAT_TAGS: Readonly<Record<AudioEncoding, number>> = {
  pcm_s16le: FORMAT_PCM,
  pcm_f32le: FORMAT_IEEE_FLOAT,
  alaw: FORMAT_ALAW,
  mulaw: FORMAT_MULAW,
};

/** Bytes 2..15 of every KSDATAFORMAT_SUBTYPE_* GUID; bytes 0..1 carry the format tag. */
const SUBFORMAT_GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

/** Marks a data chunk whose size was unknown when the header was written (streamed WAV). */
const SIZE_UNKNOWN = 0xffffffff;

function bad(message: string): ParleyError {
  return new ParleyError('bad_audio', `WAV: ${message}`);
}

function fourCC(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
}

function encodingOf(tag: number, bits: number): AudioEncoding {
  const want = (encoding: AudioEncoding): AudioEncoding => {
    if (bits !== bytesPerSample(encoding) * 8) throw bad(`${bits}-bit ${encoding} is not supported`);
    return encoding;
  };
  switch (tag) {
    case FORMAT_PCM:
      return want('pcm_s16le');
    case FORMAT_IEEE_FLOAT:
      return want('pcm_f32le');
    case FORMAT_MULAW:
      return want('mulaw');
    case FORMAT_ALAW:
      return want('alaw');
    default:
      throw bad(`format tag 0x${tag.toString(16)} is not supported`);
  }
}

interface Format {
  encoding: AudioEncoding;
  sampleRate: number;
  channels: number;
}

function parseFmt(view: DataView, bytes: Uint8Array, at: number, size: number): Format {
  if (size < 16) throw bad(`fmt chunk is ${size} bytes, needs at least 16`);
  let tag = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const blockAlign = view.getUint16(at + 12, true);
  const bits = view.getUint16(at + 14, true);
  if (tag === FORMAT_EXTENSIBLE) {
    if (size < 40 || view.getUint16(at + 16, true) < 22) throw bad('WAVE_FORMAT_EXTENSIBLE fmt chunk is too short');
    tag = view.getUint16(at + 24, true);
    if (SUBFORMAT_GUID_TAIL.some((b, i) => bytes[at + 26 + i] !== b)) throw bad('unknown WAVE_FORMAT_EXTENSIBLE subformat');
  }
  const encoding = encodingOf(tag, bits);
  if (channels < 1) throw bad('channel count is 0');
  if (sampleRate < 1) throw bad('sample rate is 0');
  if (blockAlign !== channels * bytesPerSample(encoding)) {
    throw bad(`block align ${blockAlign} does not match ${channels} channel(s) of ${encoding}`);
  }
  return { encoding, sampleRate, channels };
}

/**
 * Parses a RIFF/WAVE file. Unknown chunks are skipped; a data size of 0 or 0xFFFFFFFF
 * (streamed writers) or one running past the end means "the rest of the file". Data is
 * cut to whole frames and returned as a view into `bytes`, not a copy.
 */
export function readWav(bytes: Uint8Array): WavAudio {
  if (bytes.length < 12 || fourCC(bytes, 0) !== 'RIFF' || fourCC(bytes, 8) !== 'WAVE') {
    throw bad('not a RIFF/WAVE file');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let format: Format | undefined;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = fourCC(bytes, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (body + size > bytes.length) throw bad('fmt chunk is truncated');
      format = parseFmt(view, bytes, body, size);
    } else if (id === 'data') {
      if (format === undefined) throw bad('data chunk before fmt chunk');
      const declaredEnd = size === 0 || size === SIZE_UNKNOWN ? bytes.length : body + size;
      const available = Math.min(declaredEnd, bytes.length) - body;
      const frameBytes = format.channels * bytesPerSample(format.encoding);
      const data = bytes.subarray(body, body + available - (available % frameBytes));
      return { ...format, data };
    }
    // Chunks are word aligned: an odd size is followed by a pad byte.
    at = body + size + (size & 1);
  }
  throw bad(format === undefined ? 'no fmt chunk' : 'no data chunk');
}

/** Writes a canonical WAV: 44-byte header for PCM; fmt with cbSize and a fact chunk for the others. */
export function writeWav(audio: WavAudio): Uint8Array {
  const { encoding, sampleRate, channels, data } = audio;
  if (!Number.isInteger(channels) || channels < 1 || channels > 0xffff) throw bad(`invalid channel count ${channels}`);
  if (!Number.isInteger(sampleRate) || sampleRate < 1 || sampleRate > 0xffffffff) {
    throw bad(`invalid sample rate ${sampleRate}`);
  }
  const width = bytesPerSample(encoding);
  const frameBytes = width * channels;
  if (data.length % frameBytes !== 0) throw bad(`${data.length} data bytes is not a whole number of ${frameBytes}-byte frames`);
  const isPcm = encoding === 'pcm_s16le';
  const fmtSize = isPcm ? 16 : 18;
  const factBytes = isPcm ? 0 : 12;
  const pad = data.length & 1;
  const headerBytes = 12 + 8 + fmtSize + factBytes + 8;
  const out = new Uint8Array(headerBytes + data.length + pad);
  const view = new DataView(out.buffer);
  const writeFourCC = (at: number, id: string): void => {
    for (let i = 0; i < 4; i++) out[at + i] = id.charCodeAt(i);
  };
  writeFourCC(0, 'RIFF');
  view.setUint32(4, out.length - 8, true);
  writeFourCC(8, 'WAVE');
  writeFourCC(12, 'fmt ');
  view.setUint32(16, fmtSize, true);
  view.setUint16(20, FORMAT_TAGS[encoding], true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * frameBytes, true);
  view.setUint16(32, frameBytes, true);
  view.setUint16(34, width * 8, true);
  let at = 36;
  if (!isPcm) {
    view.setUint16(at, 0, true); // cbSize
    writeFourCC(at + 2, 'fact');
    view.setUint32(at + 6, 4, true);
    view.setUint32(at + 10, data.length / frameBytes, true);
    at += 14;
  }
  writeFourCC(at, 'data');
  view.setUint32(at + 4, data.length, true);
  out.set(data, at + 8);
  return out;
}
