import { describe, expect, it } from 'vitest';
import type { ReportSummary } from './qa-report.js';
import { compareReports, DEFAULT_GATE_TOLERANCES, formatGateResult, type GateResult } from './regression-gate.js';
import { callReport, latency, noSamples, qaReport, samples, summary, werCounts } from './testing/report-builders.js';

const baselineSummary: ReportSummary = summary({
  calls: 3,
  wer: werCounts(1000, 80, 10, 10),
  latency: latency({
    perceived: samples(500, 90, 140, 180, 200),
    final: samples(500, 400, 600, 800, 900),
    partial: samples(2000, 200, 350, 500, 700),
  }),
  turns: 500,
  false_eager_ends_per_turn: 0.1,
  errors: { bad_message: 1 },
});
const baseline = qaReport(baselineSummary, [
  callReport({ id: 'a', wer: werCounts(100, 10, 0, 0) }),
  callReport({ id: 'b', wer: werCounts(100, 20, 0, 0) }),
  callReport({ id: 'only-in-baseline', wer: werCounts(100, 10, 0, 0) }),
]);

describe('compareReports', () => {
  it('passes identical reports', () => {
    expect(compareReports(baseline, baseline, DEFAULT_GATE_TOLERANCES)).toEqual({ passed: true, regressions: [], improvements: [] });
  });

  it('fails a worse candidate, naming each metric that regressed beyond its tolerance', () => {
    const candidate = qaReport(
      summary({
        calls: 3,
        failed_calls: 1,
        wer: werCounts(1000, 105, 10, 10), // 12.5%
        latency: latency({
          // p50 +20 ms: within 25 ms. p95 +30 ms: over 25 ms and 10%. p99.9 +200 ms: fewer than 1,000 samples, not compared.
          perceived: samples(500, 110, 170, 180, 400),
          // p95 +50 ms: over 25 ms but within 10% (60 ms). p99 +100 ms: over 80 ms.
          final: samples(500, 400, 650, 900, 900),
          // p50 50 ms better: an improvement. p99.9 +100 ms over 70 ms, with 1,000 samples or more in both.
          partial: samples(1500, 150, 350, 500, 800),
        }),
        false_eager_ends_per_turn: 0.2,
        errors: { bad_message: 1, slow_consumer: 2 },
      }),
      [
        callReport({ id: 'a', wer: werCounts(100, 25, 0, 0) }), // 15 points: beyond the call tolerance of 10
        callReport({ id: 'b', wer: werCounts(100, 20, 0, 0) }),
        callReport({ id: 'only-in-candidate', wer: werCounts(100, 90, 0, 0) }),
      ],
    );
    const result = compareReports(baseline, candidate, DEFAULT_GATE_TOLERANCES);
    expect(result.passed).toBe(false);
    expect(result.regressions).toEqual([
      { metric: 'wer', baseline: 0.1, candidate: 0.125, allowed: 0.1 + 0.01 },
      { metric: 'latency.perceived.p95', baseline: 140, candidate: 170, allowed: 165 },
      { metric: 'latency.final.p99', baseline: 800, candidate: 900, allowed: 880 },
      { metric: 'latency.partial.p999', baseline: 700, candidate: 800, allowed: 770 },
      { metric: 'false_eager_ends_per_turn', baseline: 0.1, candidate: 0.2, allowed: 0.1 + 0.05 },
      { metric: 'errors', baseline: 1, candidate: 3, allowed: 1 },
      { metric: 'failed_calls', baseline: 0, candidate: 1, allowed: 0 },
      { metric: 'calls[a].wer', baseline: 0.1, candidate: 0.25, allowed: 0.1 + 0.1 },
    ]);
    expect(result.improvements).toEqual([{ metric: 'latency.partial.p50', baseline: 200, candidate: 150, allowed: 175 }]);
  });

  it('passes noise within the tolerances, up to and including each bound', () => {
    const candidate = qaReport(
      summary({
        calls: 3,
        wer: werCounts(1000, 90, 10, 10), // 11%: exactly one point more
        latency: latency({
          perceived: samples(500, 115, 165, 190, 500),
          // p50 +40 ms: over 25 ms, but exactly 10%.
          final: samples(500, 440, 640, 870, 990),
          partial: samples(2000, 180, 370, 530, 770),
        }),
        false_eager_ends_per_turn: 0.14,
        errors: { bad_message: 1 },
      }),
      [callReport({ id: 'a', wer: werCounts(100, 11, 0, 0) }), callReport({ id: 'b', wer: werCounts(100, 19, 0, 0) })],
    );
    expect(compareReports(baseline, candidate, DEFAULT_GATE_TOLERANCES)).toEqual({ passed: true, regressions: [], improvements: [] });
  });

  it('skips a metric either report lacks instead of failing it', () => {
    const noReferences = qaReport(summary({ latency: latency({ final: samples(10, 100, 100, 100, 100) }) }), [callReport({ id: 'a' })]);
    const candidate = qaReport(
      summary({ wer: werCounts(10, 9, 0, 0), latency: latency({ final: noSamples(), perceived: samples(10, 900, 900, 900, 900) }), false_eager_ends_per_turn: 0.9 }),
      [callReport({ id: 'a', wer: werCounts(10, 9, 0, 0) })],
    );
    expect(compareReports(noReferences, candidate, DEFAULT_GATE_TOLERANCES)).toEqual({ passed: true, regressions: [], improvements: [] });
  });

  it('takes other tolerances: with no relative slack 25 ms decides alone', () => {
    const candidate = qaReport({ ...baselineSummary, latency: { ...baselineSummary.latency, final: samples(500, 400, 650, 800, 900) } });
    expect(compareReports(baseline, candidate, DEFAULT_GATE_TOLERANCES).passed).toBe(true);
    const strict = compareReports(baseline, candidate, { ...DEFAULT_GATE_TOLERANCES, latencyRatio: 0 });
    expect(strict.regressions).toEqual([{ metric: 'latency.final.p95', baseline: 600, candidate: 650, allowed: 625 }]);
  });
});

describe('formatGateResult', () => {
  it('lists what regressed and what improved, in units a person reads', () => {
    const result: GateResult = {
      passed: false,
      regressions: [
        { metric: 'wer', baseline: 0.1, candidate: 0.125, allowed: 0.11 },
        { metric: 'latency.final.p99', baseline: 800, candidate: 900.4, allowed: 880 },
        { metric: 'false_eager_ends_per_turn', baseline: 0.1, candidate: 0.2, allowed: 0.15 },
        { metric: 'errors', baseline: 1, candidate: 3, allowed: 1 },
        { metric: 'calls[call-7].wer', baseline: 0.2, candidate: 0.3333333, allowed: 0.21 },
      ],
      improvements: [{ metric: 'latency.partial.p50', baseline: 200, candidate: 150, allowed: 175 }],
    };
    expect(formatGateResult(result)).toBe(
      [
        'Regression gate: FAILED (5 regressions, 1 improvement)',
        'Regressed:',
        '  wer: 10.00% -> 12.50% (allowed up to 11.00%)',
        '  latency.final.p99: 800 ms -> 900 ms (allowed up to 880 ms)',
        '  false_eager_ends_per_turn: 0.100 -> 0.200 (allowed up to 0.150)',
        '  errors: 1 -> 3 (allowed up to 1)',
        '  calls[call-7].wer: 20.00% -> 33.33% (allowed up to 21.00%)',
        'Improved:',
        '  latency.partial.p50: 200 ms -> 150 ms (beyond 175 ms)',
      ].join('\n'),
    );
  });

  it('says so when nothing moved', () => {
    expect(formatGateResult({ passed: true, regressions: [], improvements: [] })).toBe('Regression gate: passed (0 regressions, 0 improvements)');
  });
});
