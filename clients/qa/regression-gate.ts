import type { LatencyReport, Percentiles, QaReport, ReportSummary } from './qa-report.js';

/** How much worse the candidate may be than the baseline before the gate fails. */
export interface GateTolerances {
  /** WER increase allowed over the whole run, absolute (0.01 is one point). */
  werPoints: number;
  /**
   * WER increase allowed for one call. Larger than the run's: one word more or less in a short
   * call moves its WER by points, and that is noise, not a regression. Default 0.1.
   */
  callWerPoints?: number;
  /** Latency increase allowed per percentile, ms... */
  latencyMs: number;
  /** ...and relative to the baseline's: a latency regression must exceed both. */
  latencyRatio: number;
  /** Increase of false eager ends per turn allowed. */
  falseEagerPerTurn: number;
  /** More error events allowed, and more failed calls. */
  errors: number;
}

export const DEFAULT_GATE_TOLERANCES: GateTolerances = {
  werPoints: 0.01,
  callWerPoints: 0.1,
  latencyMs: 25,
  latencyRatio: 0.1,
  falseEagerPerTurn: 0.05,
  errors: 0,
};

/**
 * A metric that moved beyond its tolerance. `allowed` is the bound it crossed: for a
 * regression the highest value that would have passed, for an improvement the value it had
 * to go below.
 */
export interface GateChange {
  metric: string;
  baseline: number;
  candidate: number;
  allowed: number;
}

export interface GateResult {
  /** No regressions. */
  passed: boolean;
  regressions: GateChange[];
  improvements: GateChange[];
}

const LATENCY_KINDS = ['perceived', 'final', 'partial'] as const satisfies readonly (keyof LatencyReport)[];
/** p99.9 of fewer samples than this is the largest few values: noise, not a figure to gate on. */
const P999_MIN_SAMPLES = 1000;
/** A value exactly at its bound passes, whatever the rounding of baseline + tolerance. */
const EPSILON = 1e-9;

/**
 * Compares a candidate run with a baseline run. Every metric is lower-is-better: WER, the
 * client's perceived, final and partial latency at p50, p95 and p99 (p99.9 only when both
 * runs have at least 1,000 samples of it), false eager ends per turn, error events in all and
 * failed calls; then the WER of each call present in both (by id), named per call. A metric
 * that either run lacks (null: no reference, no samples, no turns) is skipped, not failed.
 * Counts are compared as they are, so the two runs should replay the same calls.
 */
export function compareReports(baseline: QaReport, candidate: QaReport, tolerances: GateTolerances = DEFAULT_GATE_TOLERANCES): GateResult {
  const result: GateResult = { passed: true, regressions: [], improvements: [] };
  const check = (metric: string, base: number | null, cand: number | null, tolerance: (base: number) => number): void => {
    if (base === null || cand === null) return;
    const slack = tolerance(base);
    if (cand > base + slack + EPSILON) result.regressions.push({ metric, baseline: base, candidate: cand, allowed: base + slack });
    else if (cand < base - slack - EPSILON) result.improvements.push({ metric, baseline: base, candidate: cand, allowed: base - slack });
  };
  const b = baseline.summary;
  const c = candidate.summary;
  const wer = (): number => tolerances.werPoints;
  const latency = (base: number): number => Math.max(tolerances.latencyMs, tolerances.latencyRatio * Math.abs(base));
  const count = (): number => tolerances.errors;
  check('wer', b.wer?.wer ?? null, c.wer?.wer ?? null, wer);
  for (const kind of LATENCY_KINDS) {
    for (const [name, base, cand] of comparablePercentiles(b.latency[kind], c.latency[kind])) {
      check(`latency.${kind}.${name}`, base, cand, latency);
    }
  }
  check('false_eager_ends_per_turn', b.false_eager_ends_per_turn, c.false_eager_ends_per_turn, () => tolerances.falseEagerPerTurn);
  check('errors', errorCount(b), errorCount(c), count);
  check('failed_calls', b.failed_calls, c.failed_calls, count);
  const baselineWer = new Map(baseline.calls.map((call) => [call.id, call.wer?.wer ?? null]));
  const callWer = (): number => tolerances.callWerPoints ?? DEFAULT_GATE_TOLERANCES.callWerPoints!;
  for (const call of candidate.calls) {
    check(`calls[${call.id}].wer`, baselineWer.get(call.id) ?? null, call.wer?.wer ?? null, callWer);
  }
  result.passed = result.regressions.length === 0;
  return result;
}

function comparablePercentiles(base: Percentiles, cand: Percentiles): Array<[string, number | null, number | null]> {
  const compared: Array<[string, number | null, number | null]> = [
    ['p50', base.p50, cand.p50],
    ['p95', base.p95, cand.p95],
    ['p99', base.p99, cand.p99],
  ];
  if (base.count >= P999_MIN_SAMPLES && cand.count >= P999_MIN_SAMPLES) compared.push(['p999', base.p999, cand.p999]);
  return compared;
}

function errorCount(summary: ReportSummary): number {
  return Object.values(summary.errors).reduce((total, n) => total + n, 0);
}

/** The gate's verdict for a terminal or a CI log: what regressed, then what improved. */
export function formatGateResult(result: GateResult): string {
  const lines = [
    `Regression gate: ${result.passed ? 'passed' : 'FAILED'} (${plural(result.regressions.length, 'regression')}, ${plural(result.improvements.length, 'improvement')})`,
  ];
  if (result.regressions.length > 0) lines.push('Regressed:');
  for (const r of result.regressions) lines.push(`  ${r.metric}: ${describe(r)} (allowed up to ${formatValue(r.metric, r.allowed)})`);
  if (result.improvements.length > 0) lines.push('Improved:');
  for (const r of result.improvements) lines.push(`  ${r.metric}: ${describe(r)} (beyond ${formatValue(r.metric, r.allowed)})`);
  return lines.join('\n');
}

function describe(change: GateChange): string {
  return `${formatValue(change.metric, change.baseline)} -> ${formatValue(change.metric, change.candidate)}`;
}

function formatValue(metric: string, value: number): string {
  if (metric.endsWith('wer')) return `${(value * 100).toFixed(2)}%`;
  if (metric.startsWith('latency.')) return `${Math.round(value)} ms`;
  if (metric === 'false_eager_ends_per_turn') return value.toFixed(3);
  return String(value);
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
