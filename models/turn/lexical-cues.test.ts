import { describe, expect, it } from 'vitest';
import { lexicalCues } from './lexical-cues.js';

describe('lexicalCues', () => {
  it.each([
    ['i went to the store and', true],
    ['we should talk about the', true],
    ['so my uh', true],
    ['THE PRICE OF', true],
    ['i went to the store', false],
    ['that is all i know', false],
    ['', false],
  ])('"%s" ends on a word that wants more: %s', (text, expected) => {
    expect(lexicalCues(text.split(' ').filter(Boolean)).endsOnContinuation).toBe(expected);
  });

  it('finds closing phrases at the end only, in any case', () => {
    expect(lexicalCues(['okay', 'THANK', 'YOU']).endsOnClosing).toBe(true);
    expect(lexicalCues(["that's", 'all'])).toMatchObject({ endsOnClosing: true, endsOnContinuation: false });
    expect(lexicalCues(['thank', 'you', 'for', 'the']).endsOnClosing).toBe(false);
    expect(lexicalCues(['you']).endsOnClosing).toBe(false);
  });

  it('sees a question in how the turn opens, and counts words without engine marks', () => {
    expect(lexicalCues(['what', 'time', 'is', 'it'])).toMatchObject({ opensAsQuestion: true, wordCount: 4 });
    expect(lexicalCues(['it', 'is', 'late'])).toMatchObject({ opensAsQuestion: false, wordCount: 3 });
    expect(lexicalCues(['read(2)', 'the(2)']).endsOnContinuation).toBe(true);
  });
});
