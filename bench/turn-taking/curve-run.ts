import { readFileSync } from 'node:fs';
import type { CorpusCall } from './corpus-calls.js';
import { plotCurves, type PlotSeries } from './curve-plot.js';
import { separability, type Separability } from './separability.js';
import { silenceOnlyCurve, thresholdCurve, type CurvePoint, type CurveSetting, type PauseTrajectory } from './threshold-curve.js';
import { turnTimeMs } from './turn-truth.js';

export interface CurveGrid {
  eotThresholds: number[];
  minEndMs: number[];
  maxEndMs: number[];
  /** The silence-only detector's `end_ms` values. */
  silenceEndMs: number[];
}

/** Silences at which the model's separability is reported: the range where the targets want turns to end. */
const SEPARABILITY_SILENCES_MS = [160, 320, 480, 640];

export interface CurveRun {
  /** Minutes inside true turns of the calls the pauses come from: the cut-off rate's denominator. */
  turnMinutes: number;
  pauses: { insideTurn: number; trueEnds: number };
  model: CurvePoint[];
  silence: CurvePoint[];
  /** How well the model's probability orders true ends above pauses within turns, by silence. */
  separability: Separability[];
  png: Buffer;
}

/** Reads a JSON array of `PauseTrajectory` written by the model's offline pass over `calls`. */
export function readPauses(path: string, calls: readonly CorpusCall[]): PauseTrajectory[] {
  const pauses = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  const ids = new Set(calls.map((c) => c.id));
  if (!Array.isArray(pauses)) throw new Error(`${path}: expected a JSON array of pause trajectories`);
  for (const p of pauses as PauseTrajectory[]) {
    if (!ids.has(p.callId) || typeof p.insideTurn !== 'boolean' || !Array.isArray(p.trajectory)) {
      throw new Error(`${path}: a pause needs a benchmark callId, insideTurn and trajectory, got ${JSON.stringify(p).slice(0, 200)}`);
    }
  }
  return pauses as PauseTrajectory[];
}

/** The trade-off curve of the model over `grid` beside the silence-only detector's, on the same pauses, and its plot. */
export async function runCurve(pauses: readonly PauseTrajectory[], calls: readonly CorpusCall[], grid: CurveGrid): Promise<CurveRun> {
  const used = new Set(pauses.map((p) => p.callId));
  const turnMinutes = calls.filter((c) => used.has(c.id)).reduce((sum, c) => sum + c.truth.reduce((s, t) => s + turnTimeMs(t), 0), 0) / 60_000;
  const settings: CurveSetting[] = grid.maxEndMs.flatMap((maxEndMs) =>
    grid.minEndMs.flatMap((minEndMs) => grid.eotThresholds.map((eotThreshold) => ({ eotThreshold, minEndMs, maxEndMs }))),
  );
  const model = thresholdCurve(pauses, settings);
  const silence = silenceOnlyCurve(pauses, grid.silenceEndMs);
  const perMinute = (p: CurvePoint) => p.cutOffs / turnMinutes;
  const series: PlotSeries[] = [
    { name: 'silence only (end_ms)', points: silence.map((p) => ({ x: p.latencyP50Ms, y: perMinute(p), label: `${p.maxEndMs}` })) },
  ];
  for (const maxEndMs of grid.maxEndMs) {
    for (const minEndMs of grid.minEndMs) {
      const line = model.filter((p) => p.minEndMs === minEndMs && p.maxEndMs === maxEndMs);
      series.push({
        name: `model min ${minEndMs} max ${maxEndMs}`,
        points: line.map((p) => ({ x: p.latencyP50Ms, y: perMinute(p), label: `${p.eotThreshold}` })),
      });
    }
  }
  const png = await plotCurves(series, {
    title: `Cut-offs against turn.end latency (${pauses.length} pauses, ${turnMinutes.toFixed(1)} min of turns)`,
    xLabel: 'turn.end p50 at true ends: silence heard before the decision (audio ms)',
    yLabel: 'cut-offs per minute of turns',
  });
  const trueEnds = pauses.filter((p) => !p.insideTurn).length;
  return { turnMinutes, pauses: { insideTurn: pauses.length - trueEnds, trueEnds }, model, silence, separability: separability(pauses, SEPARABILITY_SILENCES_MS), png };
}
