import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Real recorded speech from Debian's pocketsphinx-testdata (16 kHz mono PCM16). */
export const LIBRIVOX_DIR = '/usr/share/pocketsphinx/test/data/librivox';

export function librivoxWavPaths(): string[] {
  return readdirSync(LIBRIVOX_DIR)
    .filter((name) => name.endsWith('.wav'))
    .sort()
    .map((name) => join(LIBRIVOX_DIR, name));
}

/**
 * Reads a 16 kHz mono PCM16 WAV into floats in [-1, 1). Deliberately minimal and test-only:
 * the product's WAV reader lives in audio/.
 */
export function readPcm16Wav(path: string): Float32Array {
  const bytes = readFileSync(path);
  if (bytes.toString('ascii', 0, 4) !== 'RIFF' || bytes.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error(`${path}: not a RIFF/WAVE file`);
  }
  let format: { codec: number; channels: number; rate: number; bits: number } | undefined;
  for (let offset = 12; offset + 8 <= bytes.length; ) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      format = {
        codec: bytes.readUInt16LE(body),
        channels: bytes.readUInt16LE(body + 2),
        rate: bytes.readUInt32LE(body + 4),
        bits: bytes.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!format || format.codec !== 1 || format.channels !== 1 || format.rate !== 16_000 || format.bits !== 16) {
        throw new Error(`${path}: expected 16 kHz mono PCM16, got ${JSON.stringify(format)}`);
      }
      const count = Math.floor(Math.min(size, bytes.length - body) / 2);
      const samples = new Float32Array(count);
      for (let i = 0; i < count; i += 1) samples[i] = bytes.readInt16LE(body + 2 * i) / 32768;
      return samples;
    }
    // RIFF chunks are padded to an even size.
    offset = body + size + (size % 2);
  }
  throw new Error(`${path}: no data chunk`);
}
