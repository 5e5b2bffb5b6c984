import type { ProsodyFeatures } from '../../audio/prosody-features.js';
import type { LexicalCues } from './lexical-cues.js';

/** Everything the end-of-turn model sees about a pause, after one VAD chunk of it. */
export interface EndOfTurnInput {
  /** Trailing silence so far, ms of audio. */
  silenceMs: number;
  /** Of the voiced stretch before the pause. */
  prosody: ProsodyFeatures;
  /** Of the recognizer's first-pass words so far. */
  cues: LexicalCues;
  /** The turn's audio from its speech start to this pause, ms. */
  turnMs: number;
  /** The pauses of this turn the speaker resumed after: how this speaker pauses mid-turn. */
  history: { resumedPauses: number; longestResumedMs: number };
}

/** The model's inputs, in the order of its weights. Changing them means fitting again. */
export const FEATURE_NAMES = [
  'log_silence',
  'final_pitch_slope',
  'final_pitch_level',
  'energy_decay',
  'final_lengthening',
  'final_voicing',
  'ends_on_continuation',
  'ends_on_closing',
  'opens_as_question',
  'log_words',
  'no_words_yet',
  'log_turn',
  'log_silence_x_continuation',
  'log_silence_x_pitch_slope',
  'log_resumed_pauses',
  'silence_over_longest_resumed',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];

const clip = (v: number, lo: number, hi: number): number => (Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : 0);

/**
 * The input as numbers of similar size (clipped, so one odd pitch estimate cannot dominate).
 * Silence enters on a log scale: the first 200 ms say far more than the next 200.
 */
export function featureVector(input: EndOfTurnInput): Float64Array {
  const { prosody, cues } = input;
  const logSilence = Math.log1p(Math.max(0, input.silenceMs) / 100);
  const slope = clip(prosody.finalPitchSlope, -60, 60) / 20;
  const continuation = cues.endsOnContinuation ? 1 : 0;
  return Float64Array.from([
    logSilence,
    slope,
    clip(prosody.finalPitchLevel, -12, 12) / 6,
    clip(prosody.energyDecay, -300, 300) / 100,
    clip(prosody.finalLengthening, 0, 4),
    clip(prosody.finalVoicing, 0, 1),
    continuation,
    cues.endsOnClosing ? 1 : 0,
    cues.opensAsQuestion ? 1 : 0,
    Math.log1p(cues.wordCount),
    cues.wordCount === 0 ? 1 : 0,
    Math.log1p(Math.max(0, input.turnMs) / 1000),
    logSilence * continuation,
    logSilence * slope,
    Math.log1p(input.history.resumedPauses),
    input.history.resumedPauses > 0 ? clip(Math.log((input.silenceMs + 100) / (input.history.longestResumedMs + 100)), -3, 3) : 0,
  ]);
}
