import { describe, expect, it } from 'vitest';
import type { AsrWord } from '../../models/asr/asr-engine.js';
import { Stabilizer } from './stabilizer.js';

function words(...spec: Array<[string, number, number]>): AsrWord[] {
  return spec.map(([word, startMs, endMs]) => ({ word, startMs, endMs }));
}

describe('Stabilizer', () => {
  it('locks the prefix that three consecutive hypotheses agree on', () => {
    const s = new Stabilizer({ agreement: 3 });
    expect(s.update(words(['go', 0, 200])).stableCount).toBe(0);
    expect(s.update(words(['go', 0, 200], ['for', 200, 300])).stableCount).toBe(0);
    const third = s.update(words(['go', 0, 200], ['forward', 200, 500]));
    expect(third.stableCount).toBe(1);
    expect(third.words.map((w) => w.word)).toEqual(['go', 'forward']);
  });

  it('never changes a stable word, whatever later hypotheses say', () => {
    const s = new Stabilizer({ agreement: 2 });
    s.update(words(['go', 0, 200], ['forward', 200, 500]));
    expect(s.update(words(['go', 0, 200], ['forward', 200, 500])).stableCount).toBe(2);
    const changed = s.update(words(['no', 0, 180], ['fort', 180, 420], ['ten', 520, 700]));
    expect(changed.words.map((w) => w.word)).toEqual(['go', 'forward', 'ten']);
    expect(changed.stableCount).toBe(2);
  });

  it('starts over after reset', () => {
    const s = new Stabilizer({ agreement: 2 });
    s.update(words(['a', 0, 100]));
    s.update(words(['a', 0, 100]));
    s.reset();
    expect(s.update(words(['b', 0, 100]))).toEqual({ words: words(['b', 0, 100]), stableCount: 0 });
  });
});
