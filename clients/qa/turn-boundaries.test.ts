import { describe, expect, it } from 'vitest';
import { isTurnSpanList, matchTurnEnds } from './turn-boundaries.js';

const spans = [
  { start_ms: 1000, end_ms: 4000 },
  { start_ms: 6000, end_ms: 9000 },
];

describe('matchTurnEnds', () => {
  it('finds a true end within 300 ms either side, once, and calls an end inside a turn a cut-off', () => {
    // 2200: inside turn 1 (cut-off); 4250: turn 1's end; 4100: turn 1 again, already found, and
    // within its tolerance, so neither; 5000: between turns; 8800: turn 2's end.
    expect(matchTurnEnds(spans, [2200, 4250, 4100, 5000, 8800])).toEqual({ matched: 2, cutOffs: 1 });
    expect(matchTurnEnds(spans, [])).toEqual({ matched: 0, cutOffs: 0 });
    expect(matchTurnEnds(spans, [3650, 6500, 7000])).toEqual({ matched: 0, cutOffs: 3 });
    expect(matchTurnEnds(spans, [3700])).toEqual({ matched: 1, cutOffs: 0 });
  });
});

describe('isTurnSpanList', () => {
  it('takes ordered [start_ms, end_ms] pairs only', () => {
    expect(isTurnSpanList([[0, 10], [10, 20]])).toBe(true);
    expect(isTurnSpanList([])).toBe(true);
    expect(isTurnSpanList([[10, 5]])).toBe(false);
    expect(isTurnSpanList([[0, 10], [5, 20]])).toBe(false);
    expect(isTurnSpanList([[0, 10, 20]])).toBe(false);
    expect(isTurnSpanList([['0', 10]])).toBe(false);
    expect(isTurnSpanList([[0, Infinity]])).toBe(false);
    expect(isTurnSpanList({ 0: [0, 1] })).toBe(false);
  });
});
