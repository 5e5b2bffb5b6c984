import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeWords, wordErrorRate } from '../wer.js';
import type { AlignedWord } from './qa-report.js';
import { alignWords, sumCounts } from './word-alignment.js';

const match = (w: string): AlignedWord => ({ op: 'match', ref: w, hyp: w });

describe('alignWords', () => {
  it('finds a deletion', () => {
    const { counts, alignment } = alignWords('the cat sat on the mat', 'the cat sat on mat');
    expect(counts).toEqual({ reference_words: 6, hypothesis_words: 5, substitutions: 0, deletions: 1, insertions: 0, wer: 1 / 6 });
    expect(alignment).toEqual([match('the'), match('cat'), match('sat'), match('on'), { op: 'del', ref: 'the' }, match('mat')]);
  });

  it('finds a substitution and an insertion', () => {
    const { counts, alignment } = alignWords('the cat sat on the mat', 'a cat sat on the mat mat');
    expect(counts).toEqual({ reference_words: 6, hypothesis_words: 7, substitutions: 1, deletions: 0, insertions: 1, wer: 2 / 6 });
    // Of the two equally cheap places for the extra "mat", the walk back from the ends matches
    // the last one and inserts the one before it.
    expect(alignment).toEqual([
      { op: 'sub', ref: 'the', hyp: 'a' },
      match('cat'),
      match('sat'),
      match('on'),
      match('the'),
      { op: 'ins', hyp: 'mat' },
      match('mat'),
    ]);
  });

  it('puts an insertion at the start and a substitution at the end where they are', () => {
    const { counts, alignment } = alignWords('go forward ten meters', 'uh go forward ten feet');
    expect(counts).toEqual({ reference_words: 4, hypothesis_words: 5, substitutions: 1, deletions: 0, insertions: 1, wer: 0.5 });
    expect(alignment).toEqual([{ op: 'ins', hyp: 'uh' }, match('go'), match('forward'), match('ten'), { op: 'sub', ref: 'meters', hyp: 'feet' }]);
  });

  it('counts every reference word as deleted against an empty hypothesis', () => {
    const { counts, alignment } = alignWords('go forward', '');
    expect(counts).toEqual({ reference_words: 2, hypothesis_words: 0, substitutions: 0, deletions: 2, insertions: 0, wer: 1 });
    expect(alignment).toEqual([
      { op: 'del', ref: 'go' },
      { op: 'del', ref: 'forward' },
    ]);
  });

  it('has no WER against an empty reference, and counts the hypothesis as insertions', () => {
    const { counts, alignment } = alignWords('  ', 'hello there');
    expect(counts).toEqual({ reference_words: 0, hypothesis_words: 2, substitutions: 0, deletions: 0, insertions: 2, wer: null });
    expect(alignment).toEqual([
      { op: 'ins', hyp: 'hello' },
      { op: 'ins', hyp: 'there' },
    ]);
    expect(alignWords('', '').counts.wer).toBeNull();
  });

  it('normalizes both texts as normalizeWords does: case and punctuation go, apostrophes and digits stay', () => {
    const { counts, alignment } = alignWords("Don't stop, it's 10 o'clock!", "don't STOP it's ten o'clock");
    expect(counts.substitutions).toBe(1);
    expect(alignment[3]).toEqual({ op: 'sub', ref: '10', hyp: 'ten' });
    expect(counts.wer).toBe(1 / 5);
  });

  it('breaks ties toward a substitution, then a deletion, then an insertion', () => {
    // Ties are decided walking back from the ends, so they show at the last words.
    // "a b" against "c": delete a and substitute b, or substitute a and delete b; both cost 2.
    expect(alignWords('a b', 'c').alignment).toEqual([
      { op: 'del', ref: 'a' },
      { op: 'sub', ref: 'b', hyp: 'c' },
    ]);
    // "a" against "b c": insert b and substitute a, or substitute a and insert c.
    expect(alignWords('a', 'b c').alignment).toEqual([
      { op: 'ins', hyp: 'b' },
      { op: 'sub', ref: 'a', hyp: 'c' },
    ]);
    // "a b a" against "b a b": insert b and delete the last a, or delete the first a and
    // insert the last b; both cost 2, and the last step is the deletion.
    expect(alignWords('a b a', 'b a b').alignment).toEqual([{ op: 'ins', hyp: 'b' }, match('a'), match('b'), { op: 'del', ref: 'a' }]);
  });
});

describe('sumCounts', () => {
  it('adds the counts and recomputes WER over all reference words (micro average)', () => {
    const short = alignWords('go forward', 'go backward').counts; // 1 of 2
    const long = alignWords('one two three four five six seven eight', 'one two three four five six seven eight').counts; // 0 of 8
    expect(sumCounts([short, long])).toEqual({ reference_words: 10, hypothesis_words: 10, substitutions: 1, deletions: 0, insertions: 0, wer: 0.1 });
  });

  it('gives zeros and no WER for no counts', () => {
    expect(sumCounts([])).toEqual({ reference_words: 0, hypothesis_words: 0, substitutions: 0, deletions: 0, insertions: 0, wer: null });
  });
});

describe('alignWords, for any two texts', () => {
  const text = fc.array(fc.constantFrom('a', 'b', 'c', 'The', 'dog,', "it's"), { maxLength: 12 }).map((words) => words.join(' '));

  it('spells the reference and the hypothesis exactly, with the least edits', () => {
    fc.assert(
      fc.property(text, text, (reference, hypothesis) => {
        const { counts, alignment } = alignWords(reference, hypothesis);
        const ref = alignment.flatMap((w) => (w.op === 'ins' ? [] : [w.ref]));
        const hyp = alignment.flatMap((w) => (w.op === 'del' ? [] : [w.hyp]));
        expect(ref).toEqual(normalizeWords(reference));
        expect(hyp).toEqual(normalizeWords(hypothesis));
        for (const w of alignment) if (w.op === 'match') expect(w.ref).toBe(w.hyp);
        for (const w of alignment) if (w.op === 'sub') expect(w.ref).not.toBe(w.hyp);
        const count = (op: AlignedWord['op']): number => alignment.filter((w) => w.op === op).length;
        expect([counts.substitutions, counts.deletions, counts.insertions]).toEqual([count('sub'), count('del'), count('ins')]);
        expect([counts.reference_words, counts.hypothesis_words]).toEqual([ref.length, hyp.length]);
        // As few edits as the edit distance of clients/wer.ts, computed independently.
        if (ref.length > 0) expect(counts.wer).toBeCloseTo(wordErrorRate(reference, hypothesis), 12);
        else expect(counts).toMatchObject({ wer: null, insertions: hyp.length });
      }),
      { numRuns: 500 },
    );
  });
});
