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
  /** How many words were locked when it was seen: `words` starts at that index. */
  from: number;
  words: string[];
}

/**
 * Splits a turn's partial hypotheses into a stable prefix and an unstable tail. A prefix
 * that every hypothesis agreed on over the last `agreementMs` of audio is locked: later
 * hypotheses only replace what comes after it, so a stable word never changes. The
 * agreement is measured in audio, not in partials, so it does not depend on chunk size.
 * The history keeps only what followed the locked prefix, so its memory and the work of
 * an update grow with the unstable tail, not with the turn.
 */
export class Stabilizer {
  private locked: AsrWord[] = [];
  private history: Seen[] = [];

  constructor(private readonly options: StabilizerOptions = DEFAULT_STABILIZER_OPTIONS) {}

  /** `atMs`: audio time up to which the recognizer had decoded when it gave `hypothesis`. */
  update(hypothesis: readonly AsrWord[], atMs: number): StabilizedHypothesis {
    const lockedEndMs = this.locked.length > 0 ? this.locked[this.locked.length - 1]!.endMs : -Infinity;
    const from = this.locked.length;
    const tail = hypothesis.filter((w) => w.startMs >= lockedEndMs);
    this.history.push({ atMs, from, words: tail.map((w) => w.word) });

    const windowStart = atMs - this.options.agreementMs;
    // Keep the newest hypothesis at or before the window start: it anchors the full span.
    while (this.history.length > 1 && this.history[1]!.atMs <= windowStart) this.history.shift();
    let agreed = 0;
    if (this.history[0]!.atMs <= windowStart) {
      // Every entry was seen with at most `from` words locked, so it holds word `from + i`.
      const agree = (i: number) => this.history.every((h) => h.words[from - h.from + i] === tail[i]!.word);
      while (agreed < tail.length && agree(agreed)) agreed++;
      this.locked.push(...tail.slice(0, agreed));
    }
    return { words: [...this.locked, ...tail.slice(agreed)], stableCount: this.locked.length };
  }

  reset(): void {
    this.locked = [];
    this.history = [];
  }
}
