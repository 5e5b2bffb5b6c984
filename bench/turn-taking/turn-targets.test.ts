import { describe, expect, it } from 'vitest';
import { checkTargets } from './turn-targets.js';
import { emptyTally, summarizeTally, type TurnScore } from './turn-scoring.js';

const score = (fields: Partial<TurnScore>): TurnScore => ({ ...summarizeTally(emptyTally()), ...fields });

describe('checkTargets', () => {
  const baseline = score({ cut_offs_per_min: 8, false_eager_per_turn: 2, final_p50_ms: 850, final_p95_ms: 900, found_pct: 95, eager_p95_ms: 80 });

  it('passes a detector with 75 % fewer cut-offs and false eager ends, fast ends and 90 % found', () => {
    const good = score({ cut_offs_per_min: 2, false_eager_per_turn: 0.5, final_p50_ms: 400, final_p95_ms: 700, found_pct: 90, eager_p95_ms: 100 });
    expect(checkTargets(good, baseline).map((t) => t.met)).toEqual([true, true, true, true, true, true]);
  });

  it('fails each target just past its limit, and one with no measurement', () => {
    const bad = score({ cut_offs_per_min: 2.1, false_eager_per_turn: 0.6, final_p50_ms: 401, final_p95_ms: 701, found_pct: 89.9, eager_p95_ms: null });
    expect(checkTargets(bad, baseline).map((t) => t.met)).toEqual([false, false, false, false, false, false]);
    expect(checkTargets(bad, baseline)[0]).toMatchObject({ value: '74 %' });
  });
});
