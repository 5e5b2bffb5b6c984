import { describe, expect, it } from 'vitest';
import { partialWords, timelineTurn } from './testing/report-builders.js';
import { flicker, latencyReport, latencySamples } from './turn-figures.js';

describe('latencySamples', () => {
  it('collects every latency of the turns by kind, leaving out the ones a turn lacks', () => {
    const turns = [
      timelineTurn({ eager_latency_ms: 90, final_latency_ms: 400, server_eager_latency_ms: 80, server_final_latency_ms: 350, partial_words: partialWords(2, 0, 120) }),
      timelineTurn({ final_latency_ms: -15, partial_words: partialWords(1, 0, null) }),
    ];
    expect(latencySamples(turns)).toEqual({ perceived: [90], final: [400, -15], partial: [120, 120], server_perceived: [80], server_final: [350] });
  });
});

describe('latencyReport', () => {
  it('gives the percentiles of each kind', () => {
    const report = latencyReport({ perceived: [3, 1, 2], final: [], partial: [7], server_perceived: [], server_final: [5, 6] });
    expect(report.perceived).toEqual({ count: 3, p50: 2, p95: 3, p99: 3, p999: 3 });
    expect(report.final.p50).toBeNull();
    expect([report.partial.p50, report.server_final.p50, report.server_final.p95]).toEqual([7, 5, 6]);
  });
});

describe('flicker', () => {
  it('is the share of shown word positions that changed, over all the turns', () => {
    expect(flicker([timelineTurn({ partial_words: partialWords(3, 1) }), timelineTurn({ partial_words: partialWords(1, 1) })])).toBe(0.5);
  });

  it('is null when partials showed no words', () => {
    expect(flicker([timelineTurn()])).toBeNull();
  });
});
