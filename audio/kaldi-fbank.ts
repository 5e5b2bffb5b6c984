import { ParleyError } from '../proto/errors.js';
import { RealFft } from './fft.js';

/**
 * Options of the log mel filterbank. Defaults are what sherpa-onnx gives kaldi-native-fbank
 * for a streaming Zipformer transducer. Not options, because Zipformer recipes never vary
 * them: Povey window, pre-emphasis 0.97, per-frame DC removal, no dither, snip_edges false,
 * FFT size rounded up to a power of two, power (not magnitude) spectrum, no energy column.
 */
export interface FbankOptions {
  /** Hz. Default 16000. */
  sampleRate?: number;
  /** Mel bins, the feature dimension. Default 80. */
  melBins?: number;
  /** Default 25 (400 samples at 16 kHz, FFT 512). */
  frameLengthMs?: number;
  /** Default 10 (160 samples at 16 kHz). */
  frameShiftMs?: number;
  /** Lower edge of the first mel bin, Hz. Default 20. */
  lowFreqHz?: number;
  /** Upper edge of the last mel bin, Hz; zero or negative counts back from Nyquist. Default -400 (7600 Hz at 16 kHz). */
  highFreqHz?: number;
  /**
   * Factor applied to every input sample. Default 1: sherpa-onnx passes a transducer's
   * [-1, 1] samples to kaldi-native-fbank unchanged (`normalize_samples` true) and only
   * multiplies by 32768, Kaldi's int16 scale, for models trained that way (Paraformer).
   * The scale shifts every unfloored log energy by 2 ln(scale), so it must match training.
   */
  sampleScale?: number;
}

const PREEMPHASIS = 0.97;
/** Exponent of the Povey window: a Hann window raised to 0.85, zero at both ends. */
const POVEY_POWER = 0.85;
/**
 * Kaldi floors each mel energy at FLT_EPSILON before the log, so digital silence gives
 * ln(2^-23) = -15.942385 instead of -Infinity. (Its `energy_floor` only touches the energy
 * column, which these features do not have.)
 */
const MEL_ENERGY_FLOOR = 2 ** -23;

/** One triangular filter: weights for FFT bins first .. first + weights.length - 1. */
interface MelFilter {
  first: number;
  weights: Float64Array;
}

/** Everything that depends only on the configuration, built once and shared by every stream. */
interface FbankTables {
  windowSize: number;
  shift: number;
  window: Float64Array;
  filters: readonly MelFilter[];
  fft: RealFft;
  /** Scratch for one frame; sharing is safe because a stream computes its frames synchronously. */
  frame: Float64Array;
  re: Float64Array;
  im: Float64Array;
  power: Float64Array;
}

const tableCache = new Map<string, FbankTables>();

function melScale(hz: number): number {
  return 1127 * Math.log(1 + hz / 700);
}

function badConfig(message: string): ParleyError {
  return new ParleyError('bad_config', `fbank: ${message}`);
}

function checkPositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) throw badConfig(`${name} must be a positive number, got ${value}`);
}

/** Kaldi's triangles are equally spaced on the mel scale and evaluated at FFT bins 0 .. size/2 - 1 (never Nyquist). */
function melFilters(bins: number, fftSize: number, sampleRate: number, lowHz: number, highHz: number): MelFilter[] {
  const melLow = melScale(lowHz);
  const delta = (melScale(highHz) - melLow) / (bins + 1);
  const filters: MelFilter[] = [];
  for (let b = 0; b < bins; b++) {
    const left = melLow + b * delta;
    const center = melLow + (b + 1) * delta;
    const right = melLow + (b + 2) * delta;
    let first = -1;
    const weights: number[] = [];
    for (let k = 0; k < fftSize / 2; k++) {
      const mel = melScale((k * sampleRate) / fftSize);
      if (mel <= left || mel >= right) continue;
      if (first < 0) first = k;
      weights.push(mel <= center ? (mel - left) / (center - left) : (right - mel) / (right - center));
    }
    if (first < 0) throw badConfig(`mel bin ${b} covers no FFT bin: too many bins for this frame length`);
    filters.push({ first, weights: Float64Array.from(weights) });
  }
  return filters;
}

function buildTables(sampleRate: number, bins: number, lengthMs: number, shiftMs: number, lowHz: number, highHz: number): FbankTables {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw badConfig(`sampleRate must be a positive integer, got ${sampleRate}`);
  if (!Number.isInteger(bins) || bins < 3) throw badConfig(`melBins must be an integer of at least 3, got ${bins}`);
  checkPositive('frameLengthMs', lengthMs);
  checkPositive('frameShiftMs', shiftMs);
  // Kaldi truncates; the products are whole numbers for every sensible configuration.
  const windowSize = Math.floor((sampleRate * lengthMs) / 1000);
  const shift = Math.floor((sampleRate * shiftMs) / 1000);
  if (windowSize < 2 || shift < 1) throw badConfig(`frame of ${windowSize} samples every ${shift} is too short`);
  const nyquist = sampleRate / 2;
  const high = highHz > 0 ? highHz : nyquist + highHz;
  if (!(lowHz >= 0 && lowHz < nyquist && high > 0 && high <= nyquist && high > lowHz)) {
    throw badConfig(`mel range ${lowHz} to ${high} Hz must lie inside 0 to ${nyquist} Hz`);
  }
  const fft = new RealFft(2 ** Math.ceil(Math.log2(windowSize)));
  const a = (2 * Math.PI) / (windowSize - 1);
  return {
    windowSize,
    shift,
    window: Float64Array.from({ length: windowSize }, (_, i) => (0.5 - 0.5 * Math.cos(a * i)) ** POVEY_POWER),
    filters: melFilters(bins, fft.size, sampleRate, lowHz, high),
    fft,
    frame: new Float64Array(fft.size),
    re: new Float64Array(fft.bins),
    im: new Float64Array(fft.bins),
    power: new Float64Array(fft.bins),
  };
}

function tablesFor(sampleRate: number, bins: number, lengthMs: number, shiftMs: number, lowHz: number, highHz: number): FbankTables {
  const key = `${sampleRate}/${bins}/${lengthMs}/${shiftMs}/${lowHz}/${highHz}`;
  let tables = tableCache.get(key);
  if (!tables) {
    tables = buildTables(sampleRate, bins, lengthMs, shiftMs, lowHz, highHz);
    tableCache.set(key, tables);
  }
  return tables;
}

/**
 * Streaming 80-bin Kaldi log mel filterbank, frame for frame what kaldi-native-fbank's
 * OnlineFbank produces with snip_edges false, as sherpa-onnx runs it.
 *
 * Computed in double and returned as float32. kaldi-native-fbank works in float32 (recent
 * versions run even the FFT in float32, through kissfft); that rounding lies some 140 dB
 * below a frame's energy, so it shows only in near-silent bins, whose log energies it
 * moves by up to about 3e-4. Rounding the other steps as it does only narrows that gap
 * (measured: 3.1e-4 to 2.3e-4), so the code does not try.
 *
 * Frame f covers samples [f * shift + shift/2 - window/2, + window): centred on
 * (f + 1/2) shifts, so the first frame starts before sample 0 and borrows the signal
 * mirrored around its start. A frame is returned once its whole window has arrived;
 * `finish()` then adds the trailing frames Kaldi completes by mirroring the signal around
 * its end, for (n + shift/2) / shift frames in all (rounded down) from n samples. Frames
 * depend neither on how the input was chunked nor on when it was read out.
 *
 * Per stream this keeps one window plus one shift of samples; everything else is shared.
 */
export class StreamingFbank {
  /** Floats per frame (the mel bins). */
  readonly dim: number;
  private readonly tables: FbankTables;
  private readonly sampleScale: number;
  /**
   * Kaldi's waveform remainder: samples from the first one a future frame needs. Frames
   * mirror around its ends exactly as Kaldi mirrors around its remainder's, which is what
   * keeps the trailing frames identical for streams shorter than a window.
   */
  private readonly buffer: Float32Array;
  private buffered = 0;
  /** Stream index of buffer[0]. */
  private offset = 0;
  private samples = 0;
  private frames = 0;
  private finished = false;

  constructor(options: FbankOptions = {}) {
    this.tables = tablesFor(
      options.sampleRate ?? 16000,
      options.melBins ?? 80,
      options.frameLengthMs ?? 25,
      options.frameShiftMs ?? 10,
      options.lowFreqHz ?? 20,
      options.highFreqHz ?? -400,
    );
    this.sampleScale = options.sampleScale ?? 1;
    checkPositive('sampleScale', this.sampleScale);
    this.dim = this.tables.filters.length;
    this.buffer = new Float32Array(this.tables.windowSize + this.tables.shift);
  }

  /** Frames returned so far. */
  get framesEmitted(): number {
    return this.frames;
  }

  /**
   * Takes the next samples and returns the frames they complete, row-major
   * (frames x `dim`; empty when none). Throws `bad_request` once `finish()` was called.
   */
  accept(samples: Float32Array): Float32Array {
    if (this.finished) throw new ParleyError('bad_request', 'fbank: audio after the input was finished');
    const out = new Float32Array((this.framesReady(this.samples + samples.length, false) - this.frames) * this.dim);
    let row = 0;
    let read = 0;
    // Piecewise, so the buffer never holds more than a window and a shift: each pass
    // completes at least one frame or uses up the input.
    while (read < samples.length) {
      const take = Math.min(samples.length - read, this.buffer.length - this.buffered);
      for (let i = 0; i < take; i++) this.buffer[this.buffered + i] = samples[read + i]! * this.sampleScale;
      this.buffered += take;
      this.samples += take;
      read += take;
      row = this.emit(this.framesReady(this.samples, false), out, row);
    }
    return out;
  }

  /**
   * Ends the input and returns the trailing frames, which mirror the signal around its
   * end. Calling it again returns no frames.
   */
  finish(): Float32Array {
    if (this.finished) return new Float32Array(0);
    this.finished = true;
    const total = this.framesReady(this.samples, true);
    const out = new Float32Array((total - this.frames) * this.dim);
    this.emit(total, out, 0);
    return out;
  }

  /** Kaldi's NumFrames: all centred frames once flushed, else those whose window has arrived. */
  private framesReady(samples: number, flushed: boolean): number {
    const { shift, windowSize } = this.tables;
    const centred = Math.floor((samples + Math.floor(shift / 2)) / shift);
    if (flushed) return centred;
    const complete = Math.floor((samples - windowSize + Math.floor(windowSize / 2) - Math.floor(shift / 2)) / shift) + 1;
    return Math.max(0, Math.min(centred, complete));
  }

  private firstSample(frame: number): number {
    const { shift, windowSize } = this.tables;
    return frame * shift + Math.floor(shift / 2) - Math.floor(windowSize / 2);
  }

  /** Computes frames up to `until` into `out` from `row` on, then drops samples no later frame needs. */
  private emit(until: number, out: Float32Array, row: number): number {
    while (this.frames < until) {
      this.computeFrame(this.frames, out.subarray(row * this.dim, (row + 1) * this.dim));
      this.frames++;
      row++;
    }
    const drop = Math.min(this.buffered, this.firstSample(this.frames) - this.offset);
    if (drop > 0) {
      this.buffer.copyWithin(0, drop, this.buffered);
      this.buffered -= drop;
      this.offset += drop;
    }
    return row;
  }

  private computeFrame(index: number, out: Float32Array): void {
    const { windowSize, window, filters, fft, frame, re, im, power } = this.tables;
    const start = this.firstSample(index) - this.offset;
    const n = this.buffered;
    let sum = 0;
    for (let s = 0; s < windowSize; s++) {
      let at = start + s;
      // Mirror as often as it takes (only streams shorter than a window need more than once).
      while (at < 0 || at >= n) at = at < 0 ? -at - 1 : 2 * n - 1 - at;
      frame[s] = this.buffer[at]!;
      sum += frame[s]!;
    }
    const mean = sum / windowSize;
    for (let s = 0; s < windowSize; s++) frame[s] -= mean;
    // Pre-emphasis runs backwards so each sample still sees its unemphasised predecessor.
    // Kaldi also scales the first sample by 1 - 0.97; the Povey window zeroes it anyway.
    for (let s = windowSize - 1; s > 0; s--) frame[s] -= PREEMPHASIS * frame[s - 1]!;
    for (let s = 0; s < windowSize; s++) frame[s] *= window[s]!;
    frame.fill(0, windowSize);
    fft.transform(frame, re, im);
    for (let k = 0; k < power.length; k++) power[k] = re[k]! * re[k]! + im[k]! * im[k]!;
    for (let b = 0; b < filters.length; b++) {
      const { first, weights } = filters[b]!;
      let energy = 0;
      for (let k = 0; k < weights.length; k++) energy += weights[k]! * power[first + k]!;
      out[b] = Math.log(Math.max(energy, MEL_ENERGY_FLOOR));
    }
  }
}
