import { describe, expect, it } from 'vitest';
import type { AsrWord } from '../../models/asr/asr-engine.js';
import { Stabilizer } from './stabilizer.js';

function words(...spec: Array<[string, number, number]>): AsrWord[] {
  return spec.map(([word, startMs, endMs]) => ({ word, startMs, endMs }));
}

describe('Stabilizer', () => {
  it('locks the prefix that every hypothesis of the last agreementMs of audio agreed on', () => {
    const s = new Stabilizer({ agreementMs: 300 });
    expect(s.update(words(['go', 0, 200]), 200).stableCount).toBe(0);
    expect(s.update(words(['go', 0, 200], ['for', 200, 300]), 300).stableCount).toBe(0);
    // 'go' has held from 200 to 500 ms of audio; 'for' became 'forward' on the way.
    const held = s.update(words(['go', 0, 200], ['forward', 200, 500]), 500);
    expect(held.stableCount).toBe(1);
    expect(held.words.map((w) => w.word)).toEqual(['go', 'forward']);
  });

  it('does not lock on many partials over little audio', () => {
    const s = new Stabilizer({ agreementMs: 300 });
    for (let at = 200; at <= 440; at += 20) {
      expect(s.update(words(['go', 0, 200]), at).stableCount).toBe(0);
    }
  });

  it('does not lock a word that changed inside the window', () => {
    const s = new Stabilizer({ agreementMs: 300 });
    s.update(words(['john', 0, 200], ['s.', 200, 300]), 300);
    s.update(words(['john', 0, 200], ['guess', 200, 350]), 450);
    const later = s.update(words(['john', 0, 200], ['dashwood', 200, 500]), 600);
    expect(later.stableCount).toBe(1);
  });

  it('never changes a stable word, whatever later hypotheses say', () => {
    const s = new Stabilizer({ agreementMs: 100 });
    s.update(words(['go', 0, 200], ['forward', 200, 500]), 500);
    expect(s.update(words(['go', 0, 200], ['forward', 200, 500]), 600).stableCount).toBe(2);
    const changed = s.update(words(['no', 0, 180], ['fort', 180, 420], ['ten', 520, 700]), 700);
    expect(changed.words.map((w) => w.word)).toEqual(['go', 'forward', 'ten']);
    expect(changed.stableCount).toBe(2);
  });

  it('starts over after reset', () => {
    const s = new Stabilizer({ agreementMs: 100 });
    s.update(words(['a', 0, 100]), 100);
    s.update(words(['a', 0, 100]), 300);
    s.reset();
    expect(s.update(words(['b', 0, 100]), 400)).toEqual({ words: words(['b', 0, 100]), stableCount: 0 });
  });
});
