import { normalizeWords } from '../wer.js';
import type { AlignedWord, WerCounts } from './qa-report.js';

export interface WordAlignment {
  counts: WerCounts;
  /** Reference against hypothesis in order: `match`, `sub` and `del` spell the reference, `match`, `sub` and `ins` the hypothesis. */
  alignment: AlignedWord[];
}

// Backtrace steps, one byte per cell of the edit-distance table.
const DIAGONAL = 0;
const UP = 1;
const LEFT = 2;

/**
 * Aligns two transcripts word by word with the least edits (Levenshtein over words, each
 * substitution, deletion and insertion costing 1) and counts them.
 *
 * Both texts are normalized first by `normalizeWords` (clients/wer.ts), as the reference
 * transcripts are written: lower case; every character other than a-z, 0-9 and the apostrophe
 * becomes a space, so punctuation goes, hyphenated words split ("co-op" is "co op") and
 * "don't" stays one word; digits stay as written ("10" does not match "ten").
 *
 * Several alignments often cost the same; the one reported is fixed so that reports are
 * reproducible: walking back from the ends of both texts, each step takes the diagonal (a
 * match, or a substitution) when it is optimal, else a deletion, else an insertion.
 *
 * The table holds one byte per pair of words (a one-hour channel of about 9,000 words takes
 * about 80 MB); distances keep two rows only.
 */
export function alignWords(reference: string, hypothesis: string): WordAlignment {
  const ref = normalizeWords(reference);
  const hyp = normalizeWords(hypothesis);
  const width = hyp.length + 1;
  const steps = new Uint8Array((ref.length + 1) * width);
  let previous = Uint32Array.from({ length: width }, (_, j) => j);
  let current = new Uint32Array(width);
  steps.fill(LEFT, 1, width);
  for (let i = 1; i <= ref.length; i++) {
    current[0] = i;
    steps[i * width] = UP;
    for (let j = 1; j <= hyp.length; j++) {
      const diagonal = previous[j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      const up = previous[j]! + 1;
      const left = current[j - 1]! + 1;
      // `<=` keeps the earlier choice on a tie: diagonal, then up, then left.
      if (diagonal <= up && diagonal <= left) {
        current[j] = diagonal;
        steps[i * width + j] = DIAGONAL;
      } else if (up <= left) {
        current[j] = up;
        steps[i * width + j] = UP;
      } else {
        current[j] = left;
        steps[i * width + j] = LEFT;
      }
    }
    [previous, current] = [current, previous];
  }
  const alignment = backtrace(ref, hyp, steps);
  return { counts: countOps(alignment, ref.length, hyp.length), alignment };
}

function backtrace(ref: string[], hyp: string[], steps: Uint8Array): AlignedWord[] {
  const width = hyp.length + 1;
  const reversed: AlignedWord[] = [];
  let i = ref.length;
  let j = hyp.length;
  while (i > 0 || j > 0) {
    const step = steps[i * width + j];
    if (step === DIAGONAL) {
      const r = ref[--i]!;
      const h = hyp[--j]!;
      reversed.push({ op: r === h ? 'match' : 'sub', ref: r, hyp: h });
    } else if (step === UP) {
      reversed.push({ op: 'del', ref: ref[--i]! });
    } else {
      reversed.push({ op: 'ins', hyp: hyp[--j]! });
    }
  }
  return reversed.reverse();
}

function countOps(alignment: AlignedWord[], referenceWords: number, hypothesisWords: number): WerCounts {
  let substitutions = 0;
  let deletions = 0;
  let insertions = 0;
  for (const word of alignment) {
    if (word.op === 'sub') substitutions++;
    else if (word.op === 'del') deletions++;
    else if (word.op === 'ins') insertions++;
  }
  return withWer({ reference_words: referenceWords, hypothesis_words: hypothesisWords, substitutions, deletions, insertions });
}

/**
 * Counts of several alignments added up, `wer` recomputed from the sums: the micro average,
 * in which every reference word weighs the same whichever call or channel it is in. No counts
 * give zeros and a null `wer`.
 */
export function sumCounts(counts: readonly WerCounts[]): WerCounts {
  const sum = { reference_words: 0, hypothesis_words: 0, substitutions: 0, deletions: 0, insertions: 0 };
  for (const c of counts) {
    sum.reference_words += c.reference_words;
    sum.hypothesis_words += c.hypothesis_words;
    sum.substitutions += c.substitutions;
    sum.deletions += c.deletions;
    sum.insertions += c.insertions;
  }
  return withWer(sum);
}

function withWer(counts: Omit<WerCounts, 'wer'>): WerCounts {
  const errors = counts.substitutions + counts.deletions + counts.insertions;
  return { ...counts, wer: counts.reference_words === 0 ? null : errors / counts.reference_words };
}
