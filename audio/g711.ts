/**
 * ITU-T G.711 mu-law and A-law, bit-exact with the reference implementation
 * (Sun Microsystems g711.c, which ITU-T G.191 and most telephony stacks reuse).
 * Linear values are int16.
 */

const MULAW_BIAS = 0x84;
/** Largest magnitude (in 14-bit units) mu-law represents before the segment overflows. */
const MULAW_CLIP = 8159;
const SEGMENT_ENDS_MULAW = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];
const SEGMENT_ENDS_ALAW = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

function segmentOf(value: number, ends: readonly number[]): number {
  let seg = 0;
  while (seg < ends.length && value > ends[seg]!) seg++;
  return seg;
}

/** Rounds and clamps to int16 so callers may pass any number. */
function toInt16(sample: number): number {
  const s = Math.round(sample);
  return s > 32767 ? 32767 : s < -32768 ? -32768 : s;
}

export function mulawToLinear(code: number): number {
  const u = ~code & 0xff;
  const t = (((u & 0x0f) << 3) + MULAW_BIAS) << ((u & 0x70) >> 4);
  return u & 0x80 ? MULAW_BIAS - t : t - MULAW_BIAS;
}

export function linearToMulaw(sample: number): number {
  let pcm = toInt16(sample) >> 2;
  let mask = 0xff;
  if (pcm < 0) {
    pcm = -pcm;
    mask = 0x7f;
  }
  if (pcm > MULAW_CLIP) pcm = MULAW_CLIP;
  pcm += MULAW_BIAS >> 2;
  const seg = segmentOf(pcm, SEGMENT_ENDS_MULAW);
  if (seg >= 8) return 0x7f ^ mask;
  return ((seg << 4) | ((pcm >> (seg + 1)) & 0x0f)) ^ mask;
}

export function alawToLinear(code: number): number {
  const a = (code ^ 0x55) & 0xff;
  const seg = (a & 0x70) >> 4;
  let t = (a & 0x0f) << 4;
  if (seg === 0) t += 8;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

export function linearToAlaw(sample: number): number {
  let pcm = toInt16(sample) >> 3;
  let mask = 0xd5;
  if (pcm < 0) {
    pcm = -pcm - 1;
    mask = 0x55;
  }
  const seg = segmentOf(pcm, SEGMENT_ENDS_ALAW);
  if (seg >= 8) return 0x7f ^ mask;
  const mantissa = seg < 2 ? (pcm >> 1) & 0x0f : (pcm >> seg) & 0x0f;
  return ((seg << 4) | mantissa) ^ mask;
}

function decodeTable(decode: (code: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let code = 0; code < 256; code++) table[code] = decode(code);
  return table;
}

/** Code -> int16, for the decode hot path. */
export const MULAW_DECODE_TABLE: Int16Array = decodeTable(mulawToLinear);
export const ALAW_DECODE_TABLE: Int16Array = decodeTable(alawToLinear);
