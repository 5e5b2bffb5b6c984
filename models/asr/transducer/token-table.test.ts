import { describe, expect, it } from 'vitest';
import { TokenTable } from './token-table.js';

const TOKENS = ['<blk> 0', '<sos/eos> 1', '<unk> 2', 'S 3', '\u2581THE 4', '\u2581 5', 'ING 6', '\u2581GO 7', 'E 8'].join('\n');

describe('TokenTable', () => {
  it('reads symbol and id per line, and knows <unk>', () => {
    const table = TokenTable.parse(TOKENS);
    expect(table.size).toBe(9);
    expect(table.symbol(4)).toBe('\u2581THE');
    expect(table.unkId).toBe(2);
    expect(TokenTable.parse('<blk> 0\na 1\n').unkId).toBeUndefined();
  });

  it('joins BPE pieces into words with times from their frames', () => {
    const table = TokenTable.parse(TOKENS);
    // "▁GO ING ▁THE S" at frames 2, 3, 7, 9, and a bare "▁" piece that makes no word.
    expect(table.words([7, 6, 5, 4, 3], [2, 3, 5, 7, 9], 40)).toEqual([
      { word: 'GOING', startMs: 80, endMs: 160 },
      { word: 'THES', startMs: 280, endMs: 400 },
    ]);
    // A first piece without the word mark still starts a word.
    expect(table.words([8, 4], [0, 1], 40)).toEqual([
      { word: 'E', startMs: 0, endMs: 40 },
      { word: 'THE', startMs: 40, endMs: 80 },
    ]);
  });

  it('refuses a malformed file with the line, and duplicate ids', () => {
    expect(() => TokenTable.parse('<blk> 0\nbroken\n', 'm/tokens.txt')).toThrow(/m\/tokens.txt line 2/);
    expect(() => TokenTable.parse('a 0\nb 0\n')).toThrow(/id 0 twice/);
    expect(() => TokenTable.parse('\n\n')).toThrow(/no tokens/);
  });
});
