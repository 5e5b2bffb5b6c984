import type { AsrWord } from '../../models/asr/asr-engine.js';
import type { TurnEndReason } from '../../proto/messages.js';

/** One turn of one channel, shared by the detector (which opens and ends it) and the recognizer. */
export interface Turn {
  id: number;
  /** Session audio time of the first sample the recognizer heard for this turn. */
  utteranceStartMs: number;
  /** Increases with every text change sent for this turn. */
  revision: number;
  /** Latest first-pass words (times relative to `utteranceStartMs`), stable prefix locked. */
  words: AsrWord[];
  stableCount: number;
  /** Set when the detector ends the turn. */
  speechEndMs: number | null;
  /** Wall time (`performance.now()`) the audio at `speechEndMs` arrived. */
  speechEndWallMs: number | null;
  /** Set when the detector ends the turn. */
  endReason: TurnEndReason | null;
  /** The end-of-turn model's probability when the turn ended (model mode only). */
  endConfidence?: number;
  /** What `turn.end` said, once sent. */
  sentEndText: string | null;
}

export function newTurn(id: number, utteranceStartMs: number): Turn {
  return {
    id,
    utteranceStartMs,
    revision: 0,
    words: [],
    stableCount: 0,
    speechEndMs: null,
    speechEndWallMs: null,
    endReason: null,
    sentEndText: null,
  };
}

export function textOf(words: readonly AsrWord[]): string {
  return words.map((w) => w.word).join(' ');
}
