import { describe, expect, it } from 'vitest';
import { wordErrorRate } from './wer.js';

describe('wordErrorRate', () => {
  it('counts substitutions, insertions and deletions over the reference length', () => {
    expect(wordErrorRate('go forward ten meters', 'go forward ten meters')).toBe(0);
    expect(wordErrorRate('go forward ten meters', 'go forward two meters')).toBe(0.25);
    expect(wordErrorRate('go forward ten meters', 'go forward')).toBe(0.5);
    expect(wordErrorRate('go forward', 'so go forward now')).toBe(1);
    expect(wordErrorRate('Go, forward!', 'go forward')).toBe(0);
  });
});
