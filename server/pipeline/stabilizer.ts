import type { AsrWord } from '../../models/asr/asr-engine.js';

export interface StabilizedHypothesis {
  words: AsrWord[];
  /** Leading words that will not change again in this turn. */
  stableCount: number;
}

export interface StabilizerOptions {
  /** Audio a leading word must stay unchanged over, through every hypothesis, to become stable. */
  agreementMs: number;
}

export const DEFAULT_STABILIZER_OPTIONS: StabilizerOptions = { agreementMs: 500 };

interface Seen {
  atMs: number;
  words: string[];
}

/**
 * Splits a turn's partial hypotheses into a stable prefix and an unstable tail. A prefix
 * that every hypothesis agreed on over the last `agreementMs` of audio is locked: later
 * hypotheses only replace what comes after it, so a stable word never changes. The
 * agreement is measured in audio, not in partials, so it does not depend on chunk size.
 */
export class Stabilizer {
  private locked: AsrWord[] = [];
  private history: Seen[] = [];

  constructor(private readonly options: StabilizerOptions = DEFAULT_STABILIZER_OPTIONS) {}

  /** `atMs`: audio time up to which the recognizer had decoded when it gave `hypothesis`. */
  update(hypothesis: readonly AsrWord[], atMs: number): StabilizedHypothesis {
    const lockedEndMs = this.locked.length > 0 ? this.locked[this.locked.length - 1]!.endMs : -Infinity;
    const words = [...this.locked, ...hypothesis.filter((w) => w.startMs >= lockedEndMs)];
    this.history.push({ atMs, words: words.map((w) => w.word) });

    const windowStart = atMs - this.options.agreementMs;
    // Keep the newest hypothesis at or before the window start: it anchors the full span.
    while (this.history.length > 1 && this.history[1]!.atMs <= windowStart) this.history.shift();
    if (this.history[0]!.atMs <= windowStart) {
      let agreed = this.locked.length;
      while (agreed < words.length && this.history.every((h) => h.words[agreed] === words[agreed]!.word)) agreed++;
      this.locked = words.slice(0, agreed);
    }
    return { words, stableCount: this.locked.length };
  }

  reset(): void {
    this.locked = [];
    this.history = [];
  }
}
