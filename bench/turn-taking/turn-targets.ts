import type { TurnScore } from './turn-scoring.js';

/** Issue 11's targets for a detector against the silence-only one at today's defaults, measured at real time. */
export const TURN_TARGETS = {
  cutOffReduction: 0.75,
  falseEagerReduction: 0.75,
  finalP50Ms: 400,
  finalP95Ms: 700,
  foundShare: 0.9,
  /** With one session at a time. */
  eagerP95Ms: 100,
};

export interface TargetCheck {
  target: string;
  value: string;
  met: boolean;
}

/** Each target, what `candidate` reached against `baseline`, and whether it is met. */
export function checkTargets(candidate: TurnScore, baseline: TurnScore, t = TURN_TARGETS): TargetCheck[] {
  const reduction = (c: number | null, b: number | null) => (c === null || b === null || b === 0 ? null : 1 - c / b);
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(100 * x).toFixed(0)} %`);
  const cut = reduction(candidate.cut_offs_per_min, baseline.cut_offs_per_min);
  const eager = reduction(candidate.false_eager_per_turn, baseline.false_eager_per_turn);
  const within = (v: number | null, limit: number) => v !== null && v <= limit;
  const found = candidate.found_pct;
  return [
    { target: `cut-offs per minute at least ${pct(t.cutOffReduction)} fewer`, value: pct(cut), met: cut !== null && cut >= t.cutOffReduction },
    {
      target: `false eager ends per turn at least ${pct(t.falseEagerReduction)} fewer`,
      value: pct(eager),
      met: eager !== null && eager >= t.falseEagerReduction,
    },
    { target: `turn.end p50 <= ${t.finalP50Ms} ms after true ends`, value: `${candidate.final_p50_ms} ms`, met: within(candidate.final_p50_ms, t.finalP50Ms) },
    { target: `turn.end p95 <= ${t.finalP95Ms} ms after true ends`, value: `${candidate.final_p95_ms} ms`, met: within(candidate.final_p95_ms, t.finalP95Ms) },
    { target: `true ends found >= ${pct(t.foundShare)}`, value: `${found} %`, met: found !== null && found >= 100 * t.foundShare },
    { target: `eager end p95 <= ${t.eagerP95Ms} ms at true ends (one session)`, value: `${candidate.eager_p95_ms} ms`, met: within(candidate.eager_p95_ms, t.eagerP95Ms) },
  ];
}
