import { ParleyError } from '../proto/errors.js';
import { type PolyphaseFilter, polyphaseFilterFor } from './polyphase-filter.js';

export const MIN_SAMPLE_RATE = 8000;
export const MAX_SAMPLE_RATE = 48000;

/**
 * Above this many phases (L of the L/M ratio, e.g. 16000 for 47999 Hz) the bank tabulates
 * this many and interpolates linearly between neighbouring rows (error below -100 dB),
 * so exotic rates cost no more memory than common ones.
 */
const MAX_PHASES = 1024;

export interface ResamplerOptions {
  /** Stopband attenuation in dB. Default 70. */
  attenuationDb?: number;
  /**
   * Passband edge as a fraction of the lower of the two Nyquist frequencies; the stopband
   * starts at that Nyquist. Default 0.875: flat to 7 kHz when either side is 16 kHz.
   */
  passbandRatio?: number;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function checkRate(name: string, rate: number): void {
  if (!Number.isInteger(rate) || rate < MIN_SAMPLE_RATE || rate > MAX_SAMPLE_RATE) {
    throw new ParleyError('bad_config', `${name} must be an integer from ${MIN_SAMPLE_RATE} to ${MAX_SAMPLE_RATE} Hz, got ${rate}`);
  }
}

/** Four accumulators break the add dependency chain (about 3x faster); `taps` is a multiple of 4. */
function dot(c: Float64Array, offset: number, x: Float64Array, start: number, taps: number): number {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  for (let j = 0; j < taps; j += 4) {
    a0 += c[offset + j]! * x[start + j]!;
    a1 += c[offset + j + 1]! * x[start + j + 1]!;
    a2 += c[offset + j + 2]! * x[start + j + 2]!;
    a3 += c[offset + j + 3]! * x[start + j + 3]!;
  }
  return a0 + a1 + (a2 + a3);
}

/**
 * Band-limited rational-ratio resampler for one mono stream, fed in chunks of any size.
 *
 * Timing: the filter is zero-phase, so output sample k is the signal at input time
 * k / outputRate exactly; there is no group delay to correct for (`delaySamples` is 0).
 * The price is lookahead: an output is emitted once `lookaheadMs` of later input has
 * arrived. `flush()` supplies silence for that lookahead, so a whole stream of n input
 * samples yields exactly ceil(n * outputRate / inputRate) outputs. Output is identical
 * however the input is split into chunks. Equal rates pass input through uncopied.
 */
export class StreamingResampler {
  /** Offset of output time against input time, in output samples: always 0 (see class doc). */
  readonly delaySamples = 0;
  /** The output at input time t is emitted once input sample floor(t) + lookaheadSamples has arrived. */
  readonly lookaheadSamples: number;
  private readonly up: number;
  private readonly down: number;
  private readonly filter: PolyphaseFilter | undefined;
  /** Zeros standing for the input before the stream began, so the first output has a full window. */
  private readonly pad: number;
  /** Float64 like the coefficients: measurably faster dot products than mixed widths. */
  private buf: Float64Array;
  private len = 0;
  /** Buffer index of the first tap of the next output. */
  private start = 0;
  /** Fractional position of the next output past `start + pad`, in 1/up input samples. */
  private phase = 0;

  constructor(
    readonly inputRate: number,
    readonly outputRate = 16000,
    options: ResamplerOptions = {},
  ) {
    checkRate('inputRate', inputRate);
    checkRate('outputRate', outputRate);
    const attenuationDb = options.attenuationDb ?? 70;
    const passbandRatio = options.passbandRatio ?? 0.875;
    if (!(attenuationDb >= 20 && attenuationDb <= 150)) {
      throw new ParleyError('bad_config', `attenuationDb must be from 20 to 150, got ${attenuationDb}`);
    }
    if (!(passbandRatio > 0 && passbandRatio < 1)) {
      throw new ParleyError('bad_config', `passbandRatio must be between 0 and 1, got ${passbandRatio}`);
    }
    const g = gcd(inputRate, outputRate);
    this.up = outputRate / g;
    this.down = inputRate / g;
    if (inputRate === outputRate) {
      this.filter = undefined;
      this.pad = 0;
      this.lookaheadSamples = 0;
    } else {
      const phases = Math.min(this.up, MAX_PHASES);
      this.filter = polyphaseFilterFor({ inputRate, outputRate, attenuationDb, passbandRatio, phases });
      this.pad = this.filter.taps / 2 - 1;
      this.lookaheadSamples = this.filter.taps / 2;
    }
    this.buf = new Float64Array(Math.max(4096, 2 * this.pad));
    this.reset();
  }

  get lookaheadMs(): number {
    return (this.lookaheadSamples * 1000) / this.inputRate;
  }

  /** Resamples the next chunk; returns the outputs it completed (possibly none). */
  process(input: Float32Array): Float32Array {
    if (this.filter === undefined) return input;
    this.append(input);
    // Outputs whose whole window is in the buffer.
    return this.emit(this.len - this.filter.taps - this.start);
  }

  /** Ends the stream: emits the tail, then resets so the instance can take a new stream. */
  flush(): Float32Array {
    if (this.filter === undefined) return new Float32Array(0);
    const silence = this.filter.taps / 2;
    this.append(new Float32Array(silence));
    const realEnd = this.len - silence;
    // Outputs whose instant lies before the end of the real input.
    const out = this.emit(realEnd - this.pad - 1 - this.start);
    this.reset();
    return out;
  }

  private reset(): void {
    this.buf.fill(0, 0, this.pad);
    this.len = this.pad;
    this.start = 0;
    this.phase = 0;
  }

  private append(input: Float32Array): void {
    // Samples before `start` are never read again.
    if (this.start > 0) {
      this.buf.copyWithin(0, this.start, this.len);
      this.len -= this.start;
      this.start = 0;
    }
    const needed = this.len + input.length;
    if (needed > this.buf.length) {
      const grown = new Float64Array(Math.max(needed, 2 * this.buf.length));
      grown.set(this.buf.subarray(0, this.len));
      this.buf = grown;
    }
    this.buf.set(input, this.len);
    this.len = needed;
  }

  /** Emits every next output whose window starts at most `maxAdvance` input samples past `start`. */
  private emit(maxAdvance: number): Float32Array {
    if (maxAdvance < 0) return new Float32Array(0);
    const { up, down, buf } = this;
    const { taps, phases, coefficients } = this.filter!;
    const count = Math.ceil(((maxAdvance + 1) * up - this.phase) / down);
    const out = new Float32Array(count);
    let start = this.start;
    let phase = this.phase;
    for (let k = 0; k < count; k++) {
      if (phases === up) {
        out[k] = dot(coefficients, phase * taps, buf, start, taps);
      } else {
        const scaled = phase * phases;
        const row = Math.floor(scaled / up);
        const w = (scaled - row * up) / up;
        const a = dot(coefficients, row * taps, buf, start, taps);
        out[k] = w === 0 ? a : a + w * (dot(coefficients, (row + 1) * taps, buf, start, taps) - a);
      }
      phase += down;
      const advance = Math.floor(phase / up);
      start += advance;
      phase -= advance * up;
    }
    this.start = start;
    this.phase = phase;
    return out;
  }
}
