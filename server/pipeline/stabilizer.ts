import type { AsrWord } from '../../models/asr/asr-engine.js';

export interface StabilizedHypothesis {
  words: AsrWord[];
  /** Leading words that will not change again in this turn. */
  stableCount: number;
}

export interface StabilizerOptions {
  /** Consecutive partials a leading word must survive unchanged to become stable. */
  agreement: number;
}

export const DEFAULT_STABILIZER_OPTIONS: StabilizerOptions = { agreement: 3 };

/**
 * Splits a turn's partial hypotheses into a stable prefix and an unstable tail. Words
 * that stayed the same over `agreement` consecutive partials are locked: later
 * hypotheses only replace what comes after them, so a stable word never changes.
 */
export class Stabilizer {
  private locked: AsrWord[] = [];
  private recent: string[][] = [];

  constructor(private readonly options: StabilizerOptions = DEFAULT_STABILIZER_OPTIONS) {}

  update(hypothesis: readonly AsrWord[]): StabilizedHypothesis {
    const lockedEndMs = this.locked.length > 0 ? this.locked[this.locked.length - 1]!.endMs : -Infinity;
    const tail = hypothesis.filter((w) => w.startMs >= lockedEndMs);
    const words = [...this.locked, ...tail];

    this.recent.push(words.map((w) => w.word));
    if (this.recent.length > this.options.agreement) this.recent.shift();
    if (this.recent.length === this.options.agreement) {
      let agreed = this.locked.length;
      while (agreed < words.length && this.recent.every((h) => h[agreed] === words[agreed]!.word)) agreed++;
      this.locked = words.slice(0, agreed);
    }
    return { words, stableCount: this.locked.length };
  }

  reset(): void {
    this.locked = [];
    this.recent = [];
  }
}
