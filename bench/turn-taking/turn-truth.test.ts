import { describe, expect, it } from 'vitest';
import { parseRttm } from './rttm.js';
import { pauseInsideTurn, placeSpeechEnd, trueTurns, turnTimeMs, type ChannelTruth } from './turn-truth.js';

describe('trueTurns', () => {
  it('finds where speech comes back after each end, and scores only ends followed by 150 ms of silence', () => {
    const turns = [
      { startMs: 0, endMs: 2000 },
      { startMs: 2100, endMs: 4000 },
      { startMs: 3000, endMs: 6000 },
      { startMs: 7000, endMs: 8000 },
    ];
    // A mixed channel: a second speaker talks from 3000 over the end at 4000.
    const speech = [...turns, { startMs: 3000, endMs: 4500 }];
    expect(trueTurns(turns, speech)).toEqual([
      { startMs: 0, endMs: 2000, nextSpeechMs: 2100, scored: false },
      { startMs: 2100, endMs: 4000, nextSpeechMs: 4000, scored: false },
      { startMs: 3000, endMs: 6000, nextSpeechMs: 7000, scored: true },
      { startMs: 7000, endMs: 8000, nextSpeechMs: Infinity, scored: true },
    ]);
  });
});

describe('placeSpeechEnd', () => {
  const truth: ChannelTruth = {
    channel: 0,
    turns: trueTurns(
      [
        { startMs: 1000, endMs: 5000 },
        { startMs: 5200, endMs: 9000 },
        { startMs: 12_000, endMs: 15_000 },
      ],
      [{ startMs: 1000, endMs: 15_000 }],
    ),
  };

  it('is at a true end within the tolerance, the nearest one when two are near', () => {
    expect(placeSpeechEnd(truth, 4750)).toMatchObject({ kind: 'end', turn: { endMs: 5000 } });
    expect(placeSpeechEnd(truth, 9250)).toMatchObject({ kind: 'end', turn: { endMs: 9000 } });
    expect(placeSpeechEnd(truth, 5150)).toMatchObject({ kind: 'end', turn: { endMs: 5000 } });
    const mixed = { channel: 0, turns: trueTurns([{ startMs: 1000, endMs: 5000 }, { startMs: 4000, endMs: 5200 }], []) };
    expect(placeSpeechEnd(mixed, 5150)).toMatchObject({ kind: 'end', turn: { endMs: 5200 } });
    expect(placeSpeechEnd(mixed, 5050)).toMatchObject({ kind: 'end', turn: { endMs: 5000 } });
  });

  it('is inside a turn before its end, and outside between turns', () => {
    expect(placeSpeechEnd(truth, 4650)).toMatchObject({ kind: 'inside', turn: { endMs: 5000 } });
    expect(placeSpeechEnd(truth, 13_000)).toMatchObject({ kind: 'inside', turn: { endMs: 15_000 } });
    expect(placeSpeechEnd(truth, 10_000)).toEqual({ kind: 'outside' });
    expect(placeSpeechEnd(truth, 500)).toEqual({ kind: 'outside' });
    expect(placeSpeechEnd(truth, 4650, 400)).toMatchObject({ kind: 'end' });
  });

  it('labels pauses for the threshold curve the same way', () => {
    expect(pauseInsideTurn(truth, 3000)).toBe(true);
    expect(pauseInsideTurn(truth, 15_100)).toBe(false);
    // The end at 5000 is 200 ms before the next speech: not one to find.
    expect(pauseInsideTurn(truth, 5000)).toBeUndefined();
    expect(pauseInsideTurn(truth, 10_000)).toBeUndefined();
  });

  it('counts overlapping turns of a mixed channel once in the turn time', () => {
    expect(turnTimeMs({ channel: 0, turns: trueTurns([{ startMs: 0, endMs: 2000 }, { startMs: 1000, endMs: 3000 }], []) })).toBe(3000);
    expect(turnTimeMs(truth)).toBe(4000 + 3800 + 3000);
  });
});

describe('parseRttm', () => {
  it('reads SPEAKER lines per file in ms and rejects malformed ones', () => {
    const rttm = parseRttm('SPEAKER trn01 1 2.977 0.391 <NA> <NA> FEO066 <NA> <NA>\n\nSPEAKER trn02 1 20.704 0.688 <NA> <NA> MÉO069 <NA> <NA>\n');
    expect([...rttm.entries()]).toEqual([
      ['trn01', [{ speaker: 'FEO066', startMs: 2977, endMs: 3368 }]],
      ['trn02', [{ speaker: 'MÉO069', startMs: 20_704, endMs: 21_392 }]],
    ]);
    expect(() => parseRttm('SPEAKER trn01 1 x 0.391 <NA> <NA> FEO066')).toThrow(/line 1/);
  });
});
