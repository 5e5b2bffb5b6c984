import { describe, expect, it } from 'vitest';
import { floorTurns, type SpeakerSpan } from './floor-turns.js';

const a = (startMs: number, endMs: number): SpeakerSpan => ({ speaker: 'a', startMs, endMs });
const b = (startMs: number, endMs: number): SpeakerSpan => ({ speaker: 'b', startMs, endMs });

describe('floorTurns', () => {
  it("joins a speaker's speech across pauses until the other speaker starts", () => {
    expect(floorTurns([a(0, 1000), a(2500, 4000), b(4500, 6000), a(7000, 8000), b(8200, 9000), b(9800, 11000)])).toEqual([
      a(0, 4000),
      b(4500, 6000),
      a(7000, 8000),
      b(8200, 11000),
    ]);
  });

  it('ends the earlier turn when its speech stops, not when the interruption starts', () => {
    expect(floorTurns([a(0, 3000), b(2500, 5000), a(5200, 6000)])).toEqual([a(0, 3000), b(2500, 5000), a(5200, 6000)]);
  });

  it('gives no floor to a backchannel under the other speaker, but does to a short reply in a pause', () => {
    const spans = [a(0, 4000), b(1000, 1400), a(4800, 6000), b(4200, 4500)];
    expect(floorTurns(spans)).toEqual([a(0, 4000), b(4200, 4500), a(4800, 6000)]);
    // Under the other speaker from start to end, across two of their spans that touch.
    expect(floorTurns([a(0, 2000), a(2000, 4000), b(1800, 2300), a(6000, 7000)])).toEqual([a(0, 7000)]);
  });

  it('gives the floor to speech of a second or more even when it is all under the other speaker', () => {
    expect(floorTurns([a(0, 5000), b(1000, 2500), a(6000, 7000)])).toEqual([a(0, 5000), b(1000, 2500), a(6000, 7000)]);
  });

  it('handles three speakers and one speaker in overlapping segments (RTTM)', () => {
    const c = (startMs: number, endMs: number): SpeakerSpan => ({ speaker: 'c', startMs, endMs });
    expect(floorTurns([c(0, 3000), c(2500, 4000), a(3800, 5000), b(4100, 4600), c(5200, 6000)])).toEqual([
      c(0, 4000),
      a(3800, 5000),
      c(5200, 6000),
    ]);
  });
});
