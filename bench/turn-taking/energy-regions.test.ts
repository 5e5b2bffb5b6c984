import { describe, expect, it } from 'vitest';
import { energyRegions } from './energy-regions.js';
import { bridgeGaps, totalMs, unionOf } from './spans.js';

const RATE = 8000;

/** A 300 Hz tone of `amplitude` from `fromMs` to `toMs` added into `samples`. */
function tone(samples: Float32Array, fromMs: number, toMs: number, amplitude: number): void {
  for (let i = (fromMs * RATE) / 1000; i < (toMs * RATE) / 1000; i++) samples[i]! += amplitude * Math.sin((2 * Math.PI * 300 * i) / RATE);
}

describe('energyRegions', () => {
  it('finds speech between silences, bridges short gaps and drops clicks and breaths', () => {
    const s = new Float32Array(RATE * 3);
    tone(s, 200, 700, 0.5);
    tone(s, 850, 1200, 0.5); // 150 ms gap: bridged by the 200 ms hangover
    tone(s, 1600, 2000, 0.3); // 400 ms gap: a pause
    tone(s, 2300, 2350, 0.5); // 50 ms click
    tone(s, 2600, 2800, 0.02); // a breath, 28 dB below the loudest
    expect(energyRegions(s, RATE)).toEqual([
      { startMs: 200, endMs: 1200 },
      { startMs: 1600, endMs: 2000 },
    ]);
    expect(energyRegions(s, RATE, { hangoverMs: 100, minSpeechMs: 10, peakRangeDb: 30 })).toEqual([
      { startMs: 200, endMs: 700 },
      { startMs: 850, endMs: 1200 },
      { startMs: 1600, endMs: 2000 },
      { startMs: 2300, endMs: 2350 },
      { startMs: 2600, endMs: 2800 },
    ]);
  });

  it('keeps a noise floor within 35 dB of the loudest frame out of the speech', () => {
    const s = new Float32Array(RATE * 2);
    for (let i = 0; i < s.length; i++) s[i] = 0.01 * Math.sin(i * 1.7) * Math.sin(i * 0.31); // about -46 dB
    tone(s, 500, 1000, 0.5); // about -9 dB: the noise is 37 dB down, inside the range
    expect(energyRegions(s, RATE, { aboveFloorDb: 0, rangeDb: 40 })).toEqual([{ startMs: 0, endMs: 2000 }]);
    expect(energyRegions(s, RATE, { rangeDb: 40 })).toEqual([{ startMs: 500, endMs: 1000 }]);
  });

  it('finds nothing in silence or an empty signal', () => {
    expect(energyRegions(new Float32Array(RATE), RATE)).toEqual([]);
    expect(energyRegions(new Float32Array(0), RATE)).toEqual([]);
  });
});

describe('span arithmetic', () => {
  it('bridges gaps shorter than the hangover and unions overlapping or touching spans', () => {
    const spans = [
      { startMs: 500, endMs: 900 },
      { startMs: 0, endMs: 100 },
      { startMs: 100, endMs: 200 },
      { startMs: 350, endMs: 600 },
    ];
    expect(unionOf(spans)).toEqual([
      { startMs: 0, endMs: 200 },
      { startMs: 350, endMs: 900 },
    ]);
    expect(bridgeGaps(spans, 150)).toEqual([{ startMs: 0, endMs: 200 }, { startMs: 350, endMs: 900 }]);
    expect(bridgeGaps(spans, 151)).toEqual([{ startMs: 0, endMs: 900 }]);
    expect(totalMs(spans)).toBe(750);
  });
});
