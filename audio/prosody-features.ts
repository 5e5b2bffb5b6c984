import { ParleyError } from '../proto/errors.js';
import { leastSquaresSlope } from './least-squares-slope.js';
import { type PitchFrame, trackPitch } from './pitch-tracker.js';
import { SampleRing } from './sample-ring.js';
import { SpeakerProsody, semitones } from './speaker-prosody.js';
import { SpeechSpans } from './speech-spans.js';

/**
 * Prosody of the last voiced stretch before a pause, for the end-of-turn model.
 *
 * A frame counts as voiced only where the VAD said speech and inside the speaker's
 * plausible F0 range (see SpeakerProsody.f0Range). "Voicing end" below is the end of the
 * final voiced run (at least three 10 ms frames) ending within 500 ms before the speech end
 * given: VAD speech ends trail the voice by a chunk or more, and a final voiceless consonant
 * carries no pitch, so slope, level, energy and lengthening are measured up to where the
 * voice stopped, not where the VAD did.
 */
export interface ProsodyFeatures {
  /**
   * F0 slope over the voiced frames of the final ~300 ms before the voicing end, semitones
   * per second (negative = falling); 0 if too little voicing.
   */
  finalPitchSlope: number;
  /** Final F0 (median of the final run's last 50 ms) relative to the speaker's running median F0, in semitones; 0 if no voicing. */
  finalPitchLevel: number;
  /** Energy slope over the last ~200 ms before the voicing end (the speech end if none), dB per second (negative = decaying). */
  energyDecay: number;
  /**
   * Duration of the final voiced run (syllable nucleus proxy) divided by the speaker's median
   * voiced-run duration so far (1 = typical; > 1 = lengthened); 1 if no voicing or fewer than
   * 5 runs known.
   */
  finalLengthening: number;
  /** Share of voiced frames in the final ~300 ms before the speech end given (not the voicing end), 0..1. */
  finalVoicing: number;
}

/**
 * The audio a pause's pitch track is computed from, copied out of the tracker's history with
 * the VAD's decisions over it: the pitch track (the costly part) can run anywhere, another
 * thread included, while the tracker goes on taking chunks; `featuresFrom` finishes the job.
 */
export interface PitchWindow {
  speechEndSample: number;
  /** Absolute index of `samples[0]`. */
  fromSample: number;
  samples: Float32Array;
  /** Where the VAD said speech, as it stood when the window was taken. */
  speech: SpeechSpans;
}

/** How every pause's pitch is tracked: 16 kHz audio, 10 ms frames. */
export const PROSODY_PITCH_OPTIONS = { sampleRate: 16000, hopMs: 10 } as const;

export interface ProsodyTrackerOptions {
  /** Audio kept, ms; default 1500. At least 500: the longest feature window and its margins. */
  historyMs?: number;
}

/** Audio everywhere in the pipeline after resampling. */
const SAMPLES_PER_MS = PROSODY_PITCH_OPTIONS.sampleRate / 1000;
const MIN_HISTORY_MS = 500;
const HOP_MS = PROSODY_PITCH_OPTIONS.hopMs;
/** Half the pitch window (three periods of 60 Hz): audio needed past a frame's centre. */
const PITCH_HALF_WINDOW_MS = 25;
/**
 * VAD decisions are per 32 ms chunk and speech is confirmed a chunk late (the speech gate
 * waits 64 ms), so frames this close to a speech span count as in it.
 */
const VAD_MARGIN_MS = 64;
/** Voiced frames needed before the speaker's F0 range is trusted to screen frames. */
const MIN_RANGE_FRAMES = 50;
/** Voiced runs needed before the speaker's typical run is trusted (lengthening is 1 until then). */
const MIN_TYPICAL_RUNS = 5;
const LOOKBACK_MS = 500;
/** Shorter voiced runs are blips (a plosive's voice bar, a tracking glitch), not syllable nuclei. */
const MIN_RUN_FRAMES = 3;
const SLOPE_MS = 300;
/** A slope from fewer voiced frames, or over a shorter span, is noise. */
const MIN_SLOPE_FRAMES = 5;
const MIN_SLOPE_SPAN_MS = 40;
const LEVEL_MS = 50;
const ENERGY_MS = 200;
const ENERGY_FRAME_MS = 20;
const MIN_ENERGY_FRAMES = 5;
/** Floor for digital silence: -100 dBFS. */
const ENERGY_FLOOR = 1e-10;
const VOICING_MS = 300;

/** A maximal stretch of voiced frames, by frame index, inclusive. */
interface VoicedRun {
  first: number;
  last: number;
}

/**
 * Per channel; fed every VAD chunk (512 samples at 16 kHz) with whether the VAD called it
 * speech. Keeps a bounded ring of recent audio and running per-speaker statistics (median
 * and range of F0, typical voiced-run length), updated at each speech end with what came
 * since the previous one as far as the history reaches, so no audio is learnt twice.
 */
export class ProsodyTracker {
  private readonly ring: SampleRing;
  private readonly speech = new SpeechSpans();
  private readonly speaker = new SpeakerProsody();
  /** Absolute sample up to which audio has been learnt from. */
  private learntUntil = 0;
  private last: { speechEndSample: number; features: ProsodyFeatures } | undefined;

  constructor(options: ProsodyTrackerOptions = {}) {
    const { historyMs = 1500 } = options;
    if (!(historyMs >= MIN_HISTORY_MS && Number.isFinite(historyMs))) {
      throw new ParleyError('bad_config', `prosody tracker: historyMs must be at least ${MIN_HISTORY_MS}, got ${historyMs}`);
    }
    this.ring = new SampleRing(Math.round(historyMs * SAMPLES_PER_MS));
  }

  /** Bytes of every buffer held: fixed at construction, whatever the length of the call. */
  get bufferBytes(): number {
    return this.ring.byteLength + this.speech.byteLength + this.speaker.byteLength;
  }

  /** Absolute index of the oldest sample held. */
  get historyStart(): number {
    return this.ring.start;
  }

  /** Absolute index one past the newest sample: samples accepted so far. */
  get historyEnd(): number {
    return this.ring.end;
  }

  accept(chunk: Float32Array, isSpeech: boolean): void {
    this.ring.write(chunk);
    this.speech.accept(chunk.length, isSpeech);
  }

  /**
   * Features of the voiced stretch that ended at `speechEndSample` (an absolute sample
   * index since the tracker started; it is within the kept history), with its pitch tracked
   * here. Computed once per pause: asking again for the same end returns the same features
   * and learns nothing.
   */
  featuresAtSpeechEnd(speechEndSample: number): ProsodyFeatures {
    const window = this.pitchWindow(speechEndSample);
    if (this.last?.speechEndSample === speechEndSample) return { ...this.last.features };
    return this.featuresFrom(window, trackPitch(window.samples, PROSODY_PITCH_OPTIONS));
  }

  /** The audio and VAD decisions the features of the pause ending at `speechEndSample` need. */
  pitchWindow(speechEndSample: number): PitchWindow {
    const { ring } = this;
    if (!Number.isInteger(speechEndSample) || speechEndSample < ring.start || speechEndSample > ring.end) {
      throw new ParleyError(
        'bad_request',
        `prosody tracker: speech end ${speechEndSample} is outside the history [${ring.start}, ${ring.end}]`,
      );
    }
    const from = ring.start;
    const to = Math.min(ring.end, speechEndSample + PITCH_HALF_WINDOW_MS * SAMPLES_PER_MS);
    const samples = new Float32Array(to - from);
    ring.copy(from, to, samples);
    return { speechEndSample, fromSample: from, samples, speech: this.speech.snapshot() };
  }

  /**
   * The features of `window` from its pitch track (`trackPitch(window.samples,
   * PROSODY_PITCH_OPTIONS)`), learning the speaker's statistics from audio not learnt yet.
   * Windows must come in the order of their speech ends.
   */
  featuresFrom(window: PitchWindow, track: readonly PitchFrame[]): ProsodyFeatures {
    const { speechEndSample, fromSample: from, samples } = window;
    if (this.last?.speechEndSample === speechEndSample) return { ...this.last.features };
    const endMs = (speechEndSample - from) / SAMPLES_PER_MS;
    let count = track.length;
    while (count > 0 && track[count - 1]!.timeMs > endMs) count--;
    const frames = track.slice(0, count).map((frame) => ({ ...frame }));
    const sampleAt = (frame: PitchFrame): number => from + Math.round(frame.timeMs * SAMPLES_PER_MS);

    // Voice where the VAD heard none (hum, music, a voice in the background) is not the speaker's.
    const margin = VAD_MARGIN_MS * SAMPLES_PER_MS;
    for (const frame of frames) if (frame.f0Hz !== null && !window.speech.isSpeech(sampleAt(frame), margin)) frame.f0Hz = null;
    for (const frame of frames) if (frame.f0Hz !== null && sampleAt(frame) > this.learntUntil) this.speaker.addF0(frame.f0Hz);
    const range = this.speaker.f0Range(MIN_RANGE_FRAMES);
    for (const frame of frames) {
      if (range !== null && frame.f0Hz !== null && (frame.f0Hz < range.floorHz || frame.f0Hz > range.ceilingHz)) frame.f0Hz = null;
    }
    const runs = voicedRuns(frames);
    // Runs are learnt whole only: not cut by the start of the history, nor by the speech end.
    const continuesPastEnd = track[count]?.f0Hz != null;
    for (const run of runs) {
      const whole = run.first > 0 && !(run.last === count - 1 && continuesPastEnd);
      if (whole && sampleAt(frames[run.last]!) > this.learntUntil) this.speaker.addVoicedRun(runMs(run));
    }
    this.learntUntil = Math.max(this.learntUntil, speechEndSample);

    const final = runs.at(-1);
    const hasFinal = final !== undefined && frames[final.last]!.timeMs >= endMs - LOOKBACK_MS;
    const features: ProsodyFeatures = {
      finalPitchSlope: 0,
      finalPitchLevel: 0,
      energyDecay: energySlope(samples, frames, hasFinal ? frames[final.last]!.timeMs : endMs),
      finalLengthening: 1,
      finalVoicing: voicedShare(frames, endMs - VOICING_MS, endMs),
    };
    if (hasFinal) {
      features.finalPitchSlope = pitchSlope(frames, final);
      const median = this.speaker.medianF0Semitones();
      if (median !== null) features.finalPitchLevel = finalSemitones(frames, final) - median;
      const typical = this.speaker.typicalRunMs(MIN_TYPICAL_RUNS);
      if (typical !== null && typical > 0) features.finalLengthening = runMs(final) / typical;
    }
    this.last = { speechEndSample, features };
    return { ...features };
  }

  reset(): void {
    this.ring.clear();
    this.speech.clear();
    this.speaker.clear();
    this.learntUntil = 0;
    this.last = undefined;
  }
}

const runMs = (run: VoicedRun): number => (run.last - run.first + 1) * HOP_MS;

/** Voiced runs of at least MIN_RUN_FRAMES, in order. */
function voicedRuns(frames: PitchFrame[]): VoicedRun[] {
  const runs: VoicedRun[] = [];
  let first = -1;
  for (let f = 0; f <= frames.length; f++) {
    const voiced = f < frames.length && frames[f]!.f0Hz !== null;
    if (voiced && first < 0) first = f;
    if (!voiced && first >= 0) {
      if (f - first >= MIN_RUN_FRAMES) runs.push({ first, last: f - 1 });
      first = -1;
    }
  }
  return runs;
}

/** Semitones per second over the voiced frames of the SLOPE_MS up to the run's end, whatever run they belong to. */
function pitchSlope(frames: PitchFrame[], final: VoicedRun): number {
  const endMs = frames[final.last]!.timeMs;
  const times: number[] = [];
  const pitches: number[] = [];
  for (let f = final.last; f >= 0 && frames[f]!.timeMs >= endMs - SLOPE_MS; f--) {
    const { f0Hz, timeMs } = frames[f]!;
    if (f0Hz === null) continue;
    times.push(timeMs / 1000);
    pitches.push(semitones(f0Hz));
  }
  const spanMs = endMs - times[times.length - 1]! * 1000;
  if (times.length < MIN_SLOPE_FRAMES || spanMs < MIN_SLOPE_SPAN_MS) return 0;
  return leastSquaresSlope(times, pitches, times.length);
}

/** Median F0 in semitones over the run's last LEVEL_MS. */
function finalSemitones(frames: PitchFrame[], final: VoicedRun): number {
  const endMs = frames[final.last]!.timeMs;
  const pitches: number[] = [];
  for (let f = final.last; f >= final.first && frames[f]!.timeMs > endMs - LEVEL_MS; f--) pitches.push(semitones(frames[f]!.f0Hz!));
  pitches.sort((a, b) => a - b);
  const middle = pitches.length >> 1;
  return pitches.length % 2 === 1 ? pitches[middle]! : (pitches[middle - 1]! + pitches[middle]!) / 2;
}

/** dB per second of ENERGY_FRAME_MS frames, centred on the pitch frames of the ENERGY_MS up to `endMs`. */
function energySlope(samples: Float32Array, frames: PitchFrame[], endMs: number): number {
  const half = (ENERGY_FRAME_MS / 2) * SAMPLES_PER_MS;
  const times: number[] = [];
  const levels: number[] = [];
  for (const { timeMs } of frames) {
    if (timeMs < endMs - ENERGY_MS || timeMs > endMs) continue;
    const centre = Math.round(timeMs * SAMPLES_PER_MS);
    let power = 0;
    for (let i = centre - half; i < centre + half; i++) power += samples[i]! * samples[i]!;
    times.push(timeMs / 1000);
    levels.push(10 * Math.log10(power / (2 * half) + ENERGY_FLOOR));
  }
  return times.length < MIN_ENERGY_FRAMES ? 0 : leastSquaresSlope(times, levels, times.length);
}

/** Share of frames centred in (fromMs, toMs] that are voiced; 0 when there are none. */
function voicedShare(frames: PitchFrame[], fromMs: number, toMs: number): number {
  let inside = 0;
  let voiced = 0;
  for (const { timeMs, f0Hz } of frames) {
    if (timeMs <= fromMs || timeMs > toMs) continue;
    inside++;
    if (f0Hz !== null) voiced++;
  }
  return inside === 0 ? 0 : voiced / inside;
}
