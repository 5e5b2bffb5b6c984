import { percentile } from '../turn-latency/call-analysis.js';

/** The end-of-turn model's view of one pause, from an offline pass over a benchmark call. */
export interface PauseTrajectory {
  callId: string;
  channel: number;
  /** true: a pause within a turn (ending the turn there is a cut-off); false: a true turn end. */
  insideTurn: boolean;
  /** After each 32 ms VAD chunk of the pause, in order: silence so far and the model's end-of-turn probability. */
  trajectory: Array<{ silenceMs: number; probability: number }>;
}

/** One detector setting: `eot_threshold`, `min_end_ms`, `max_end_ms`. */
export interface CurveSetting {
  eotThreshold: number;
  minEndMs: number;
  maxEndMs: number;
}

export interface CurvePoint extends CurveSetting {
  /** Ends at pauses within turns. */
  cutOffs: number;
  trueEnds: number;
  endsFound: number;
  /** Silence heard before the decision at true ends found (audio ms: no transport, no compute). */
  latencyP50Ms: number;
  latencyP95Ms: number;
}

/**
 * Where `setting` ends the turn in this pause: the silence heard at the first point with at
 * least `minEndMs` of silence and a probability of at least `eotThreshold`, or at the first
 * with `maxEndMs`; undefined if speech came back first.
 */
export function decisionSilenceMs(pause: PauseTrajectory, setting: CurveSetting): number | undefined {
  const point = pause.trajectory.find(
    (p) => (p.silenceMs >= setting.minEndMs && p.probability >= setting.eotThreshold) || p.silenceMs >= setting.maxEndMs,
  );
  return point?.silenceMs;
}

/** Cut-offs, ends found and end latency of every setting in `grid`, over the same pauses. */
export function thresholdCurve(pauses: readonly PauseTrajectory[], grid: readonly CurveSetting[]): CurvePoint[] {
  return grid.map((setting) => {
    let cutOffs = 0;
    const latencies: number[] = [];
    for (const pause of pauses) {
      const silence = decisionSilenceMs(pause, setting);
      if (silence === undefined) continue;
      if (pause.insideTurn) cutOffs++;
      else latencies.push(silence);
    }
    const trueEnds = pauses.filter((p) => !p.insideTurn).length;
    const latency = { latencyP50Ms: percentile(latencies, 50), latencyP95Ms: percentile(latencies, 95) };
    return { ...setting, cutOffs, trueEnds, endsFound: latencies.length, ...latency };
  });
}

/**
 * The silence-only detector on the same pauses: probability 0 everywhere, so only
 * `maxEndMs` = its `end_ms` ends a turn.
 */
export function silenceOnlyCurve(pauses: readonly PauseTrajectory[], endMsValues: readonly number[]): CurvePoint[] {
  const silent = pauses.map((p) => ({ ...p, trajectory: p.trajectory.map((q) => ({ silenceMs: q.silenceMs, probability: 0 })) }));
  return thresholdCurve(silent, endMsValues.map((endMs) => ({ eotThreshold: 1, minEndMs: endMs, maxEndMs: endMs })));
}
