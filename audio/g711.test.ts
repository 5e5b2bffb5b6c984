import { describe, expect, it } from 'vitest';
import {
  ALAW_DECODE_TABLE,
  MULAW_DECODE_TABLE,
  alawToLinear,
  linearToAlaw,
  linearToMulaw,
  mulawToLinear,
} from './g711.js';

/**
 * Expected decodes from the G.711 formulas written independently of the implementation:
 * mu-law magnitude = 4 * ((2m + 33) * 2^e - 33) with code bits inverted;
 * A-law magnitude = (2m + 1) * 8 in segment 0, else (2m + 33) * 2^(e + 2), bits xor 0x55.
 */
function expectedMulaw(code: number): number {
  const inverted = 255 - code;
  const e = Math.floor(inverted / 16) % 8;
  const m = inverted % 16;
  const magnitude = 4 * ((2 * m + 33) * 2 ** e - 33);
  // Code 0x7F is negative zero; int16 has only one zero.
  return inverted >= 128 && magnitude !== 0 ? -magnitude : magnitude;
}

function expectedAlaw(code: number): number {
  const x = code ^ 0x55;
  const e = Math.floor(x / 16) % 8;
  const m = x % 16;
  const magnitude = e === 0 ? (2 * m + 1) * 8 : (2 * m + 33) * 2 ** (e + 2);
  return x >= 128 ? magnitude : -magnitude;
}

/** FNV-1a, to compare a whole 65536-entry encode table against a reference digest. */
function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

function encodeAllInt16(encode: (s: number) => number): Uint8Array {
  const out = new Uint8Array(65536);
  for (let i = 0; i < 65536; i++) out[i] = encode(i - 32768);
  return out;
}

const ALL_CODES = Array.from({ length: 256 }, (_, i) => i);

describe('mu-law', () => {
  it('decodes every code to the reference value', () => {
    for (const code of ALL_CODES) {
      expect(mulawToLinear(code), `code 0x${code.toString(16)}`).toBe(expectedMulaw(code));
      expect(MULAW_DECODE_TABLE[code]).toBe(expectedMulaw(code));
    }
  });

  it('matches reference vectors and the first row of the reference table', () => {
    expect([0x00, 0x7f, 0xff, 0x80].map(mulawToLinear)).toEqual([-32124, 0, 0, 32124]);
    expect(Array.from(MULAW_DECODE_TABLE.subarray(0, 8))).toEqual([
      -32124, -31100, -30076, -29052, -28028, -27004, -25980, -24956,
    ]);
  });

  it('re-encodes every decoded code to itself, except negative zero', () => {
    for (const code of ALL_CODES) {
      // 0x7F and 0xFF both mean 0; the encoder always writes positive zero.
      const expected = code === 0x7f ? 0xff : code;
      expect(linearToMulaw(mulawToLinear(code)), `code 0x${code.toString(16)}`).toBe(expected);
    }
  });

  it('encodes known values and clips beyond int16', () => {
    expect(linearToMulaw(0)).toBe(0xff);
    expect(linearToMulaw(-1)).toBe(0x7e);
    expect(linearToMulaw(32767)).toBe(0x80);
    expect(linearToMulaw(-32768)).toBe(0x00);
    expect(linearToMulaw(100000)).toBe(0x80);
    expect(linearToMulaw(-100000)).toBe(0x00);
  });

  it('encodes all int16 values byte-exactly like the reference', () => {
    // Digest of CPython audioop.lin2ulaw over -32768..32767 (Sun g711.c).
    expect(fnv1a(encodeAllInt16(linearToMulaw))).toBe(0xf2471a71);
  });
});

describe('A-law', () => {
  it('decodes every code to the reference value', () => {
    for (const code of ALL_CODES) {
      expect(alawToLinear(code), `code 0x${code.toString(16)}`).toBe(expectedAlaw(code));
      expect(ALAW_DECODE_TABLE[code]).toBe(expectedAlaw(code));
    }
  });

  it('matches reference vectors and the first row of the reference table', () => {
    // Positive codes have bit 7 set after the 0x55 inversion: 0xAA is +32256, 0x2A is -32256.
    expect([0xd5, 0x55, 0xaa, 0x2a].map(alawToLinear)).toEqual([8, -8, 32256, -32256]);
    expect(Array.from(ALAW_DECODE_TABLE.subarray(0, 8))).toEqual([
      -5504, -5248, -6016, -5760, -4480, -4224, -4992, -4736,
    ]);
  });

  it('re-encodes every decoded code to itself', () => {
    for (const code of ALL_CODES) {
      expect(linearToAlaw(alawToLinear(code)), `code 0x${code.toString(16)}`).toBe(code);
    }
  });

  it('encodes known values and clips beyond int16', () => {
    expect(linearToAlaw(0)).toBe(0xd5);
    expect(linearToAlaw(-1)).toBe(0x55);
    expect(linearToAlaw(32767)).toBe(0xaa);
    expect(linearToAlaw(-32768)).toBe(0x2a);
    expect(linearToAlaw(100000)).toBe(0xaa);
    expect(linearToAlaw(-100000)).toBe(0x2a);
  });

  it('encodes all int16 values byte-exactly like the reference', () => {
    // Digest of CPython audioop.lin2alaw over -32768..32767 (Sun g711.c).
    expect(fnv1a(encodeAllInt16(linearToAlaw))).toBe(0x826fe2c5);
  });
});

describe('encoders quantize within the step size of the segment', () => {
  it.each([
    ['mu-law', linearToMulaw, mulawToLinear],
    ['A-law', linearToAlaw, alawToLinear],
  ] as const)('%s: decode(encode(x)) is monotonic and near x', (_, encode, decode) => {
    let previous = -Infinity;
    for (let x = -32768; x <= 32767; x++) {
      const y = decode(encode(x));
      // The step is 1/16 of a segment, a segment spans a factor of 2: error < |y|/32 + the smallest step.
      if (y < previous || Math.abs(y - x) > Math.abs(y) / 32 + 16) expect.fail(`${x} -> ${y}`);
      previous = y;
    }
  });
});
