import { RealFft } from './fft.js';
import { hannWindow } from './windowed-power.js';

/**
 * Short-term normalized autocorrelation of one frame (Boersma 1993, Praat's "ac" method):
 * a Hann-windowed, DC-free frame is autocorrelated through its power spectrum, then divided
 * by the window's own autocorrelation, which undoes the taper's fall-off with lag so a
 * perfectly periodic frame scores close to 1 at its period. Peaks of that curve within the
 * allowed lags are the frame's pitch candidates.
 */

/**
 * Windows span this many periods of the lowest pitch: the longest lag then sits at a third
 * of the window, where dividing by the window's autocorrelation is still well conditioned.
 */
const PERIODS_PER_WINDOW = 3;
/** Peaks below this height are not candidates; half of Praat's voicing threshold, as Praat does. */
const MIN_PEAK = 0.225;
/**
 * Praat's default octave cost: a candidate's score is its peak less this much per octave
 * below the ceiling, so that a period's multiples, which peak as high in a periodic frame,
 * do not win ties against the period itself.
 */
const OCTAVE_COST = 0.01;

export interface PitchCandidateOptions {
  /** Rate of the samples analysed (after any decimation). */
  rate: number;
  minF0Hz: number;
  maxF0Hz: number;
  /** Voiced candidates kept per frame, the strongest first. */
  maxCandidates: number;
}

export class PitchCandidateAnalyzer {
  readonly windowLength: number;
  /** After `analyze`: how many candidates were found. */
  count = 0;
  /** After `analyze`: candidate frequencies and their normalized autocorrelation peaks (at most 1), best score first. */
  readonly f0Hz: Float64Array;
  readonly peak: Float64Array;
  /** After `analyze`: each candidate's peak with the octave cost applied. */
  readonly score: Float64Array;
  /** After `analyze`: the largest absolute DC-free sample near the frame's centre. */
  localPeak = 0;
  private readonly minLag: number;
  private readonly maxLag: number;
  /** Where the loudness of the frame is read: half the longest period to either side of its centre. */
  private readonly peakFrom: number;
  private readonly peakTo: number;
  private readonly fft: RealFft;
  private readonly window: Float64Array;
  private windowPower = 0;
  /** The window's autocorrelation, normalized to 1 at lag 0, over lags 0..maxLag + 1. */
  private readonly windowAc: Float64Array;
  private readonly frame: Float64Array;
  private readonly specRe: Float64Array;
  private readonly specIm: Float64Array;
  private readonly ac: Float64Array;

  constructor(private readonly options: PitchCandidateOptions) {
    const { rate, minF0Hz, maxF0Hz, maxCandidates } = options;
    this.windowLength = Math.ceil((PERIODS_PER_WINDOW * rate) / minF0Hz);
    this.minLag = Math.max(2, Math.floor(rate / maxF0Hz));
    this.maxLag = Math.ceil(rate / minF0Hz);
    this.peakFrom = Math.max(0, Math.floor(this.windowLength / 2 - this.maxLag / 2));
    this.peakTo = Math.min(this.windowLength, Math.ceil(this.windowLength / 2 + this.maxLag / 2));
    // The FFT autocorrelation is circular: lag L also collects lag size - L. Lags from
    // size - maxLag up come only from the outer sixteenth of each end of the Hann window
    // (weights below 0.04), so they may alias: they add about 1e-5 of the energy.
    const needed = this.windowLength + this.maxLag - Math.floor(this.windowLength / 16);
    let size = 4;
    while (size < needed) size *= 2;
    this.fft = new RealFft(size);
    this.window = hannWindow(this.windowLength);
    for (let i = 0; i < this.windowLength; i++) this.windowPower += this.window[i]! * this.window[i]!;
    this.frame = new Float64Array(size);
    this.specRe = new Float64Array(this.fft.bins);
    this.specIm = new Float64Array(this.fft.bins);
    this.ac = new Float64Array(this.maxLag + 2);
    this.windowAc = new Float64Array(this.maxLag + 2);
    this.frame.set(this.window);
    this.autocorrelate(this.windowAc);
    const windowEnergy = this.windowAc[0]!;
    for (let lag = 0; lag < this.windowAc.length; lag++) this.windowAc[lag] = this.windowAc[lag]! / windowEnergy;
    this.f0Hz = new Float64Array(maxCandidates);
    this.peak = new Float64Array(maxCandidates);
    this.score = new Float64Array(maxCandidates);
  }

  /**
   * Analyses samples[start, start + windowLength); the caller keeps the window inside the
   * samples. When they were low-passed from a wider band, `fullBandPower` is the same
   * frame's windowedPower there: what the low-pass removed (fricative noise, mostly) is
   * taken as aperiodic, so every peak is scaled by the share of power kept, which is close
   * to what the autocorrelation of the full band would show.
   */
  analyze(samples: Float32Array, start: number, fullBandPower?: number): void {
    const { windowLength: n, frame, window, ac, windowAc } = this;
    let mean = 0;
    for (let i = 0; i < n; i++) mean += samples[start + i]!;
    mean /= n;
    for (let i = 0; i < n; i++) frame[i] = (samples[start + i]! - mean) * window[i]!;
    frame.fill(0, n);
    // Read near the centre only, as Praat does: a window reaching into a loud neighbour
    // must not make a quiet frame count as loud.
    let localPeak = 0;
    for (let i = this.peakFrom; i < this.peakTo; i++) localPeak = Math.max(localPeak, Math.abs(samples[start + i]! - mean));
    this.localPeak = localPeak;
    this.count = 0;
    if (localPeak === 0) return;
    this.autocorrelate(ac);
    const energy = ac[0]!;
    const share = fullBandPower === undefined ? 1 : Math.min(1, energy / this.windowPower / fullBandPower);
    for (let lag = this.minLag - 1; lag <= this.maxLag + 1; lag++) ac[lag] = (share * ac[lag]!) / energy / windowAc[lag]!;
    for (let lag = this.minLag; lag <= this.maxLag; lag++) {
      const mid = ac[lag]!;
      const before = ac[lag - 1]!;
      const after = ac[lag + 1]!;
      if (mid < MIN_PEAK || mid <= before || mid < after) continue;
      // Parabola through the three lags: the true peak lies between samples of the lag axis.
      const curvature = before - 2 * mid + after;
      const shift = curvature < 0 ? (0.5 * (before - after)) / curvature : 0;
      const peak = mid - 0.25 * (before - after) * shift;
      // The window correction can lift a peak past 1 in short or ragged frames; Praat
      // reflects such peaks around 1 instead of trusting them.
      this.keep(this.options.rate / (lag + shift), peak > 1 ? 1 / peak : peak);
    }
  }

  /** Inserts a candidate in score order, dropping the worst when full. */
  private keep(f0Hz: number, peak: number): void {
    const { maxCandidates, maxF0Hz } = this.options;
    const score = peak - OCTAVE_COST * Math.log2(maxF0Hz / f0Hz);
    let at = this.count;
    if (at === maxCandidates) {
      if (score <= this.score[at - 1]!) return;
      at--;
    } else {
      this.count++;
    }
    while (at > 0 && this.score[at - 1]! < score) {
      this.score[at] = this.score[at - 1]!;
      this.f0Hz[at] = this.f0Hz[at - 1]!;
      this.peak[at] = this.peak[at - 1]!;
      at--;
    }
    this.score[at] = score;
    this.f0Hz[at] = f0Hz;
    this.peak[at] = peak;
  }

  /**
   * Writes lags 0..out.length - 1 of the autocorrelation of `frame`. The power spectrum is
   * real and even, so its inverse transform is its forward transform divided by the size:
   * the forward-only real FFT serves both ways.
   */
  private autocorrelate(out: Float64Array): void {
    const { fft, frame, specRe, specIm } = this;
    const size = fft.size;
    fft.transform(frame, specRe, specIm);
    for (let k = 0; k < fft.bins; k++) {
      const power = specRe[k]! * specRe[k]! + specIm[k]! * specIm[k]!;
      frame[k] = power;
      if (k > 0 && k < size / 2) frame[size - k] = power;
    }
    fft.transform(frame, specRe, specIm);
    for (let lag = 0; lag < out.length; lag++) out[lag] = specRe[lag]! / size;
  }
}
