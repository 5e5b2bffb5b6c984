import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ParleyError } from '../proto/errors.js';
import { AUDIO_ENCODINGS, bytesPerSample } from './audio-encoding.js';
import { readWav, writeWav } from './wav.js';

const LIBRIVOX = '/usr/share/pocketsphinx/test/data/librivox';
const ASTERISK = '/work/shared/corpus/asterisk-en';

function expectBadAudio(bytes: Uint8Array, message: RegExp): void {
  try {
    readWav(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(ParleyError);
    expect((e as ParleyError).code).toBe('bad_audio');
    expect((e as Error).message).toMatch(message);
    return;
  }
  expect.fail(`accepted a WAV that should fail with ${message}`);
}

/** Assembles a RIFF/WAVE file from raw chunks, adding pad bytes after odd-sized bodies. */
function riff(chunks: Array<[string, Uint8Array, number?]>): Uint8Array {
  const parts: number[] = [];
  for (const [id, body, declared] of chunks) {
    const size = declared ?? body.length;
    parts.push(...Buffer.from(id, 'latin1'), size & 0xff, (size >>> 8) & 0xff, (size >>> 16) & 0xff, size >>> 24);
    parts.push(...body);
    if (body.length & 1) parts.push(0);
  }
  const out = new Uint8Array(12 + parts.length);
  out.set(Buffer.from('RIFF'), 0);
  new DataView(out.buffer).setUint32(4, out.length - 8, true);
  out.set(Buffer.from('WAVE'), 8);
  out.set(parts, 12);
  return out;
}

function fmt(tag: number, channels: number, rate: number, bits: number, extra: number[] = []): Uint8Array {
  const body = new Uint8Array(16 + extra.length);
  const view = new DataView(body.buffer);
  const blockAlign = (channels * bits) / 8;
  view.setUint16(0, tag, true);
  view.setUint16(2, channels, true);
  view.setUint32(4, rate, true);
  view.setUint32(8, rate * blockAlign, true);
  view.setUint16(12, blockAlign, true);
  view.setUint16(14, bits, true);
  body.set(extra, 16);
  return body;
}

/** WAVE_FORMAT_EXTENSIBLE tail: cbSize 22, valid bits, channel mask, KSDATAFORMAT_SUBTYPE GUID. */
function extensible(subformat: number, bits: number, guidTail = [0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71]): number[] {
  return [22, 0, bits, 0, 4, 0, 0, 0, subformat & 0xff, subformat >> 8, ...guidTail];
}

const pcm = fmt(1, 1, 16000, 16);
const samples = Uint8Array.from({ length: 24 }, (_, i) => (i * 37) & 0xff);

describe('writeWav and readWav', () => {
  it.each(AUDIO_ENCODINGS.flatMap((e) => [1, 2].map((c) => [e, c] as const)))('round-trips %s with %i channel(s)', (encoding, channels) => {
    const frameBytes = bytesPerSample(encoding) * channels;
    // An odd frame count, so 8-bit mono data has an odd length and needs a pad byte.
    const data = samples.subarray(0, frameBytes * 3);
    const file = writeWav({ encoding, sampleRate: 8000, channels, data });
    expect(readWav(file)).toEqual({ encoding, sampleRate: 8000, channels, data });
    expect(file.length % 2).toBe(0);
    expect(new DataView(file.buffer).getUint32(4, true)).toBe(file.length - 8);
  });

  it('writes the canonical 44-byte header for PCM', () => {
    const file = writeWav({ encoding: 'pcm_s16le', sampleRate: 16000, channels: 1, data: new Uint8Array(4) });
    expect(Buffer.from(file.subarray(0, 44)).toString('hex')).toBe(
      '52494646' + '28000000' + '57415645' + '666d7420' + '10000000' + '0100' + '0100' +
        '803e0000' + '007d0000' + '0200' + '1000' + '64617461' + '04000000',
    );
  });

  it('writes cbSize and a fact chunk with the frame count for non-PCM formats', () => {
    const file = writeWav({ encoding: 'mulaw', sampleRate: 8000, channels: 2, data: new Uint8Array(10) });
    expect(Buffer.from(file.subarray(12, 58)).toString('hex')).toBe(
      '666d7420' + '12000000' + '0700' + '0200' + '401f0000' + '803e0000' + '0200' + '0800' + '0000' +
        '66616374' + '04000000' + '05000000' + '64617461' + '0a000000',
    );
  });

  it('rejects data that is not whole frames', () => {
    expect(() => writeWav({ encoding: 'pcm_f32le', sampleRate: 8000, channels: 1, data: new Uint8Array(6) })).toThrow(ParleyError);
  });
});

describe('readWav on real files', () => {
  it('reads a 16 kHz mono PCM16 LibriVox clip', () => {
    const bytes = readFileSync(`${LIBRIVOX}/sense_and_sensibility_01_austen_64kb-0870.wav`);
    const wav = readWav(bytes);
    expect({ ...wav, data: wav.data.length }).toEqual({ encoding: 'pcm_s16le', sampleRate: 16000, channels: 1, data: 227200 });
    // A view into the file, not a copy.
    expect(wav.data.buffer).toBe(bytes.buffer);
    expect(wav.data.byteOffset).toBe(bytes.byteOffset + 44);
  });

  it.each(['1-for-am-2-for-pm.wav', 'agent-pass.wav'])('reads the 8 kHz Asterisk prompt %s', (name) => {
    const bytes = readFileSync(`${ASTERISK}/${name}`);
    const wav = readWav(bytes);
    expect([wav.encoding, wav.sampleRate, wav.channels]).toEqual(['pcm_s16le', 8000, 1]);
    expect(wav.data.length).toBe(bytes.length - 44);
  });
});

describe('readWav tolerance', () => {
  it('skips LIST, fact and odd-sized chunks with their pad byte', () => {
    const file = riff([['LIST', new Uint8Array(5)], ['fmt ', pcm], ['junk', new Uint8Array(3)], ['fact', new Uint8Array(4)], ['data', samples]]);
    expect(readWav(file).data).toEqual(samples);
  });

  it('accepts WAVE_FORMAT_EXTENSIBLE with each supported subformat', () => {
    const cases = [
      [1, 16, 'pcm_s16le'],
      [3, 32, 'pcm_f32le'],
      [6, 8, 'alaw'],
      [7, 8, 'mulaw'],
    ] as const;
    for (const [subformat, bits, encoding] of cases) {
      const file = riff([['fmt ', fmt(0xfffe, 2, 44100, bits, extensible(subformat, bits))], ['data', samples]]);
      expect(readWav(file)).toMatchObject({ encoding, sampleRate: 44100, channels: 2, data: samples });
    }
  });

  it.each([0, 0xffffffff])('takes the rest of the file when the data size is %i', (size) => {
    const file = riff([['fmt ', pcm], ['data', samples, size]]);
    expect(readWav(file).data).toEqual(samples);
  });

  it('truncates a data size larger than the file to the whole frames present', () => {
    const file = riff([['fmt ', fmt(1, 2, 8000, 16)], ['data', samples.subarray(0, 10), 1000]]);
    // 10 bytes hold two whole 4-byte stereo frames.
    expect(readWav(file).data).toEqual(samples.subarray(0, 8));
  });
});

describe('readWav rejects what it cannot play', () => {
  it.each([
    ['empty input', new Uint8Array(0), /not a RIFF/],
    ['a non-RIFF file', Buffer.from('OggS\0\0\0\0WAVEfmt '), /not a RIFF/],
    ['a RIFF file that is not WAVE', Buffer.from('RIFF\x04\0\0\0AVI '), /not a RIFF/],
    ['8-bit PCM', riff([['fmt ', fmt(1, 1, 8000, 8)], ['data', samples]]), /8-bit pcm_s16le/],
    ['24-bit PCM', riff([['fmt ', fmt(1, 1, 8000, 24)], ['data', samples]]), /24-bit pcm_s16le/],
    ['64-bit float', riff([['fmt ', fmt(3, 1, 8000, 64)], ['data', samples]]), /64-bit pcm_f32le/],
    ['ADPCM', riff([['fmt ', fmt(2, 1, 8000, 16)], ['data', samples]]), /format tag 0x2/],
    ['a missing fmt chunk', riff([['data', samples]]), /data chunk before fmt/],
    ['a missing data chunk', riff([['fmt ', pcm]]), /no data chunk/],
    ['no chunks at all', riff([]), /no fmt chunk/],
    ['a short fmt chunk', riff([['fmt ', pcm.subarray(0, 14)], ['data', samples]]), /fmt chunk is 14 bytes/],
    ['a truncated fmt chunk', riff([['fmt ', pcm.subarray(0, 8), 16]]), /fmt chunk is truncated/],
    ['zero channels', riff([['fmt ', fmt(1, 0, 8000, 16)], ['data', samples]]), /channel count is 0/],
    ['a zero sample rate', riff([['fmt ', fmt(1, 1, 0, 16)], ['data', samples]]), /sample rate is 0/],
    ['a wrong block align', riff([['fmt ', fmt(1, 2, 8000, 16).fill(3, 12, 13)], ['data', samples]]), /block align 3/],
    ['an unknown extensible subformat', riff([['fmt ', fmt(0xfffe, 1, 8000, 16, extensible(1, 16, new Array(14).fill(0)))], ['data', samples]]), /subformat/],
    ['a short extensible fmt', riff([['fmt ', fmt(0xfffe, 1, 8000, 16, [0, 0])], ['data', samples]]), /EXTENSIBLE fmt chunk is too short/],
  ])('%s', (_, bytes, message) => expectBadAudio(bytes, message));
});
