import { ParleyError } from '../proto/errors.js';
import { decimate } from './decimate.js';
import { PitchCandidateAnalyzer } from './pitch-candidates.js';
import { bestPitchPath } from './pitch-path.js';
import { hannWindow, windowedPower } from './windowed-power.js';

export interface PitchFrame {
  /** Centre of the frame, ms from the start of the samples given. */
  timeMs: number;
  /** Null when unvoiced. */
  f0Hz: number | null;
  /**
   * 0..1, how periodic (voicing strength): the normalized autocorrelation at the chosen
   * period, or at the best candidate when unvoiced (0 when no lag reaches 0.225).
   */
  periodicity: number;
}

export interface PitchTrackerOptions {
  /** Default 16000. */
  sampleRate?: number;
  /** Lowest F0 reported; sets the window to three of its periods. Default 60. */
  minF0Hz?: number;
  /** Highest F0 reported. Default 400. */
  maxF0Hz?: number;
  /** Frame step. Default 10. */
  hopMs?: number;
}

/**
 * Analysis rate: harmonics below 4 kHz carry the pitch of speech, and halving 16 kHz halves
 * every cost below.
 */
const ANALYSIS_RATE = 8000;
/** Voiced candidates per frame; the unvoiced one comes on top. */
const VOICED_CANDIDATES = 5;
/** Praat's defaults, with which its "To Pitch" reference was made (scripts/prosody/). */
const VOICING_THRESHOLD = 0.45;
const SILENCE_THRESHOLD = 0.03;
const OCTAVE_JUMP_COST = 0.35;
const VOICED_UNVOICED_COST = 0.14;
/** Praat states its path costs for 10 ms frames and scales them by 10 ms / hop. */
const COST_HOP_MS = 10;

interface Analysis {
  analyzer: PitchCandidateAnalyzer;
  /** The analysis window at the input rate, for the full-band power of each frame. */
  fullBandWindow: Float64Array;
}

/** Analyzers hold scratch buffers and tables; calls are synchronous, so one per setting serves all. */
const CACHE_LIMIT = 8;
const analyses = new Map<string, Analysis>();

function analysisFor(rate: number, factor: number, minF0Hz: number, maxF0Hz: number): Analysis {
  const key = `${rate}:${factor}:${minF0Hz}:${maxF0Hz}`;
  let analysis = analyses.get(key);
  if (analysis === undefined) {
    const analyzer = new PitchCandidateAnalyzer({ rate, minF0Hz, maxF0Hz, maxCandidates: VOICED_CANDIDATES });
    analysis = { analyzer, fullBandWindow: hannWindow(analyzer.windowLength * factor) };
    if (analyses.size >= CACHE_LIMIT) analyses.delete(analyses.keys().next().value!);
    analyses.set(key, analysis);
  }
  return analysis;
}

function validated(options: PitchTrackerOptions): Required<PitchTrackerOptions> {
  const { sampleRate = 16000, minF0Hz = 60, maxF0Hz = 400, hopMs = 10 } = options;
  const bad = (what: string): ParleyError => new ParleyError('bad_config', `pitch tracker: ${what}`);
  if (!Number.isInteger(sampleRate) || sampleRate < 1) throw bad(`sample rate must be a positive integer, got ${sampleRate}`);
  if (!(minF0Hz > 0 && maxF0Hz > minF0Hz)) throw bad(`need 0 < minF0Hz < maxF0Hz, got ${minF0Hz} and ${maxF0Hz}`);
  // Four samples per shortest period at least, or the lag axis is too coarse to interpolate.
  if (maxF0Hz * 4 > sampleRate) throw bad(`maxF0Hz ${maxF0Hz} needs a sample rate of at least ${maxF0Hz * 4}`);
  if (!(hopMs > 0)) throw bad(`hopMs must be positive, got ${hopMs}`);
  return { sampleRate, minF0Hz, maxF0Hz, hopMs };
}

/**
 * Whole-buffer pitch track by normalized autocorrelation with a Viterbi path (Boersma's
 * method, Praat's "To Pitch (ac)"), chosen over YIN because its peak height is a voicing
 * strength on a fixed 0..1 scale that needs no per-signal threshold, its voiced/unvoiced
 * decision weighs loudness against the buffer's peak (quiet frames go unvoiced), the path
 * step controls octave errors across frames rather than frame by frame, and Praat itself
 * is the reference it is tested against. Audio above 8 kHz is decimated to 8 kHz or a little
 * more first, which halves the cost at 16 kHz; the power the decimation removed (fricative
 * noise, mostly) still counts against each frame's periodicity, as it would in the full
 * band, or voiceless consonants would read as voiced.
 *
 * Frames are emitted only where the whole window (three periods of `minF0Hz`, 50 ms at the
 * default) lies inside the samples, every `hopMs`.
 */
export function trackPitch(samples: Float32Array, options: PitchTrackerOptions = {}): PitchFrame[] {
  const { sampleRate, minF0Hz, maxF0Hz, hopMs } = validated(options);
  const factor = Math.max(1, Math.floor(sampleRate / ANALYSIS_RATE));
  const rate = sampleRate / factor;
  const x = decimate(samples, sampleRate, factor);
  const { analyzer, fullBandWindow } = analysisFor(rate, factor, minF0Hz, maxF0Hz);
  const window = analyzer.windowLength;
  const hop = (hopMs * rate) / 1000;
  // Counted in whole input blocks, so that each frame's full-band window fits as well.
  const usable = Math.floor(samples.length / factor);
  const frames = usable < window ? 0 : Math.floor((usable - window) / hop) + 1;

  let mean = 0;
  for (let i = 0; i < x.length; i++) mean += x[i]!;
  mean /= x.length || 1;
  let globalPeak = 0;
  for (let i = 0; i < x.length; i++) globalPeak = Math.max(globalPeak, Math.abs(x[i]! - mean));

  const slots = VOICED_CANDIDATES + 1;
  const lattice = {
    frames,
    slots,
    count: new Uint8Array(frames),
    f0Hz: new Float64Array(frames * slots),
    score: new Float64Array(frames * slots),
  };
  const peaks = new Float64Array(frames * slots);
  const starts = new Float64Array(frames);
  for (let f = 0; f < frames; f++) {
    const start = Math.round(f * hop);
    starts[f] = start;
    if (factor === 1) {
      analyzer.analyze(x, start);
    } else {
      analyzer.analyze(x, start, windowedPower(samples, start * factor, fullBandWindow));
    }
    const at = f * slots;
    // Praat's unvoiced score: the voicing threshold, raised steeply for frames much quieter
    // than the loudest, so that faint periodic noise goes unvoiced.
    const relative = globalPeak === 0 ? 0 : analyzer.localPeak / globalPeak;
    lattice.score[at] = VOICING_THRESHOLD + Math.max(0, 2 - relative / (SILENCE_THRESHOLD / (1 + VOICING_THRESHOLD)));
    for (let c = 0; c < analyzer.count; c++) {
      lattice.f0Hz[at + 1 + c] = analyzer.f0Hz[c]!;
      lattice.score[at + 1 + c] = analyzer.score[c]!;
      peaks[at + 1 + c] = analyzer.peak[c]!;
    }
    lattice.count[f] = 1 + analyzer.count;
  }

  const scale = COST_HOP_MS / hopMs;
  const path = bestPitchPath(lattice, { octaveJump: OCTAVE_JUMP_COST * scale, voicedUnvoiced: VOICED_UNVOICED_COST * scale });
  const track: PitchFrame[] = new Array(frames);
  for (let f = 0; f < frames; f++) {
    const at = f * slots;
    const slot = path[f]!;
    let periodicity = 0;
    if (slot !== 0) periodicity = peaks[at + slot]!;
    else for (let c = 1; c < lattice.count[f]!; c++) periodicity = Math.max(periodicity, peaks[at + c]!);
    track[f] = {
      timeMs: ((starts[f]! + (window - 1) / 2) * factor * 1000) / sampleRate,
      f0Hz: slot === 0 ? null : lattice.f0Hz[at + slot]!,
      periodicity: Math.max(0, periodicity),
    };
  }
  return track;
}
