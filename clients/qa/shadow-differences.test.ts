import { describe, expect, it } from 'vitest';
import type { CallReport, ChannelReport, LatencyReport, Percentiles, WerCounts } from './qa-report.js';
import { callDifference, shadowDifferences } from './shadow-differences.js';
import { channelReport } from './testing/report-builders.js';

const NONE: Percentiles = { count: 0, p50: null, p95: null, p99: null, p999: null };
const p50 = (ms: number): Percentiles => ({ count: 1, p50: ms, p95: ms, p99: ms, p999: ms });

function wer(value: number | null): WerCounts {
  return { reference_words: 10, hypothesis_words: 10, substitutions: 0, deletions: 0, insertions: 0, wer: value };
}

function channel(index: number, hypothesis: string): ChannelReport {
  return channelReport({ channel: index, hypothesis, turns: 1, eager_ends: 1, false_eager_ends_per_turn: 0 });
}

function call(id: string, hypotheses: string[], options: { wer?: number | null; final?: number; perceived?: number } = {}): CallReport {
  const latency: LatencyReport = {
    perceived: options.perceived === undefined ? NONE : p50(options.perceived),
    final: options.final === undefined ? NONE : p50(options.final),
    partial: NONE,
    server_perceived: NONE,
    server_final: NONE,
  };
  return {
    id,
    audio: `${id}.wav`,
    audio_ms: 1000,
    server_clock_lead_ms: 0,
    channels: hypotheses.map((text, c) => channel(c, text)),
    wer: options.wer === undefined ? null : wer(options.wer),
    latency,
    errors: [],
    close: { code: 1000, ok: true, label: 'ws 1000' },
    failure: null,
    session_id: 's',
    turns: [],
    timeline_png: null,
  };
}

describe('callDifference', () => {
  it("aligns the shadow's words against the primary's per channel and takes shadow minus primary", () => {
    const primary = call('a', ['he was not an ill disposed young man', 'hello'], { wer: 0.25, final: 300, perceived: 80 });
    const shadow = call('a', ['he was not ill disposed young men', 'hello'], { wer: 0.375, final: 250, perceived: 95 });
    const difference = callDifference(primary, shadow);
    expect(difference.id).toBe('a');
    expect(difference.words.map((w) => [w.channel, w.differing])).toEqual([
      [0, 2],
      [1, 0],
    ]);
    expect(difference.words[0]!.alignment.filter((step) => step.op !== 'match')).toEqual([
      { op: 'del', ref: 'an' },
      { op: 'sub', ref: 'man', hyp: 'men' },
    ]);
    expect(difference.wer_delta).toBeCloseTo(0.125);
    expect(difference.final_p50_delta_ms).toBe(-50);
    expect(difference.perceived_p50_delta_ms).toBe(15);
  });

  it('has null deltas where either side has no figure, and aligns a channel only one side has against nothing', () => {
    const difference = callDifference(call('b', ['one two'], { wer: 0.1 }), call('b', [], { final: 100 }));
    expect(difference.words).toEqual([{ channel: 0, differing: 2, alignment: [{ op: 'del', ref: 'one' }, { op: 'del', ref: 'two' }] }]);
    expect(difference).toMatchObject({ wer_delta: null, final_p50_delta_ms: null, perceived_p50_delta_ms: null });
  });
});

describe('shadowDifferences', () => {
  it("pairs calls by id in the primary's order and skips calls the shadow did not finish", () => {
    const differences = shadowDifferences([call('x', ['a']), call('y', ['b']), call('z', ['c'])], [call('z', ['c']), call('x', ['a b'])]);
    expect(differences.map((d) => [d.id, d.words[0]!.differing])).toEqual([
      ['x', 1],
      ['z', 0],
    ]);
  });
});
