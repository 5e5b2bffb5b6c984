import { describe, expect, it } from 'vitest';
import { omittedPartialWords } from './partial-window.js';

describe('omittedPartialWords', () => {
  it('leaves nothing out of a turn within the limit', () => {
    expect(omittedPartialWords(0, 0, 5)).toBe(0);
    expect(omittedPartialWords(5, 5, 5)).toBe(0);
  });

  it('leaves out just enough leading stable words to fit the limit', () => {
    expect(omittedPartialWords(8, 6, 5)).toBe(3);
    expect(omittedPartialWords(1000, 998, 50)).toBe(950);
  });

  it('never leaves out an unstable word, even past the limit', () => {
    expect(omittedPartialWords(8, 2, 5)).toBe(2);
    expect(omittedPartialWords(8, 0, 5)).toBe(0);
  });
});
