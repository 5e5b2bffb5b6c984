// Fits the end-of-turn model on the corpus: `npm run fit:end-of-turn [-- --reuse-pauses]`.
// Runs every benchmark call's channels through the server's own pipeline (real VAD and
// PocketSphinx), records the model's input at every chunk of every pause, labels each pause
// from the call's ground truth (bench/turn-taking/turn-truth.ts), fits a logistic
// regression, and writes models/turn/end-of-turn-weights.ts, the pauses with the fitted
// model's trajectories (for `npm run bench -- --turn-taking --curve-pauses`), and the figures.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { PocketSphinxEngine } from '../../models/asr/pocketsphinx/pocketsphinx-engine.js';
import { SERVING_SEARCH_ARGS } from '../../models/asr/pocketsphinx/search-args.js';
import { FEATURE_NAMES, featureVector } from '../../models/turn/end-of-turn-features.js';
import { EndOfTurnModel, type EndOfTurnWeights } from '../../models/turn/end-of-turn-model.js';
import { VadEngine } from '../../models/vad/vad-engine.js';
import { projectRoot } from '../../proto/project-root.js';
import { WorkScheduler } from '../../server/scheduler/work-scheduler.js';
import { benchmarkCalls } from './corpus-calls.js';
import { fitLogistic } from './logistic-fit.js';
import { extractChannelPauses, type ExtractedPause } from './pause-extraction.js';
import type { PauseTrajectory } from './threshold-curve.js';

const RESULTS = join(projectRoot(), 'bench', 'results');
const PAUSES_FILE = join(RESULTS, 'end-of-turn-pauses.json');
const TRAJECTORIES_FILE = join(RESULTS, 'end-of-turn-trajectories.json');
const FIT_FILE = join(RESULTS, 'end-of-turn-fit.json');
const WEIGHTS_FILE = join(projectRoot(), 'models', 'turn', 'end-of-turn-weights.ts');

/** Pauses are followed this far: past the longest `max_end_ms` the curve tries. */
const MAX_SILENCE_MS = 2000;
/** Ridge penalty: the corpus is small, the weights should stay modest. */
const L2 = 1;

async function extractAll(): Promise<ExtractedPause[]> {
  const calls = benchmarkCalls();
  const [vad, asr] = await Promise.all([VadEngine.load({ thread: 'caller' }), PocketSphinxEngine.create({ decoderArgs: SERVING_SEARCH_ARGS })]);
  const scheduler = new WorkScheduler({ concurrency: 2, urgentReserve: 1, utilizationWindowMs: 1000, ownThreadClasses: ['vad', 'turn'] });
  const jobs = calls.flatMap((call) => call.channels.map((_, channel) => ({ call, channel })));
  const pauses: ExtractedPause[] = [];
  try {
    // Two channels at a time: one per core.
    const workers = [0, 1].map(async () => {
      for (let job = jobs.shift(); job; job = jobs.shift()) {
        const started = performance.now();
        const found = await extractChannelPauses(job.call, job.channel, { vad, asr, scheduler }, { maxSilenceMs: MAX_SILENCE_MS, pushMs: 32 });
        pauses.push(...found);
        console.error(`${job.call.id} channel ${job.channel}: ${found.length} pauses (${((performance.now() - started) / 1000).toFixed(1)} s)`);
      }
    });
    await Promise.all(workers);
  } finally {
    scheduler.close();
    await Promise.all([vad.close(), asr.close()]);
  }
  return pauses.sort((a, b) => a.callId.localeCompare(b.callId) || a.channel - b.channel || a.speechEndMs - b.speechEndMs);
}

/**
 * Every chunk of every pause is a sample: is the turn over, given this much silence so far?
 * Each pause weighs the same whatever its length, and both kinds of pause weigh the same in
 * all: otherwise the long silences after true ends would drown the short pauses within turns.
 */
function trainingSet(pauses: readonly ExtractedPause[]): { x: Float64Array[]; y: number[]; w: number[] } {
  const inside = pauses.filter((p) => p.insideTurn).length;
  const ends = pauses.length - inside;
  const x: Float64Array[] = [];
  const y: number[] = [];
  const w: number[] = [];
  for (const pause of pauses) {
    const classWeight = pauses.length / 2 / (pause.insideTurn ? inside : ends);
    for (const point of pause.points) {
      x.push(featureVector(point));
      y.push(pause.insideTurn ? 0 : 1);
      w.push(classWeight / pause.points.length);
    }
  }
  return { x, y, w };
}

function weightsSource(weights: EndOfTurnWeights): string {
  const list = (values: readonly (string | number)[]) => `[${values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ')}]`;
  return `// Written by \`npm run fit:end-of-turn\` (bench/turn-taking/fit-end-of-turn.ts); do not edit.
import type { EndOfTurnWeights } from './end-of-turn-model.js';

export const FITTED_END_OF_TURN_WEIGHTS: EndOfTurnWeights = {
  features: ${list(weights.features)},
  bias: ${weights.bias},
  weights: ${list(weights.weights)},
};
`;
}

const round = (v: number, digits = 4): number => Math.round(v * 10 ** digits) / 10 ** digits;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'reuse-pauses': { type: 'boolean', default: false } } });
  mkdirSync(RESULTS, { recursive: true });
  const pauses: ExtractedPause[] =
    values['reuse-pauses'] && existsSync(PAUSES_FILE) ? (JSON.parse(readFileSync(PAUSES_FILE, 'utf8')) as ExtractedPause[]) : await extractAll();
  writeFileSync(PAUSES_FILE, JSON.stringify(pauses));

  const fitOn = (training: readonly ExtractedPause[]) => {
    const { x, y, w } = trainingSet(training);
    const fit = fitLogistic(x, y, { l2: L2, sampleWeights: w });
    const weights: EndOfTurnWeights = { features: [...FEATURE_NAMES], bias: round(fit.bias), weights: fit.weights.map((v) => round(v)) };
    return { fit, weights, samples: x.length };
  };
  const all = fitOn(pauses);
  writeFileSync(WEIGHTS_FILE, weightsSource(all.weights));

  // The curve is drawn from held-out predictions: each call's pauses scored by a model fitted
  // on the other calls, so its figures are not the training data's own.
  const calls = [...new Set(pauses.map((p) => p.callId))];
  const heldOut = new Map<ExtractedPause, EndOfTurnModel>();
  for (const callId of calls) {
    const model = new EndOfTurnModel(fitOn(pauses.filter((p) => p.callId !== callId)).weights);
    for (const p of pauses) if (p.callId === callId) heldOut.set(p, model);
  }
  const trajectories: PauseTrajectory[] = pauses.map((p) => ({
    callId: p.callId,
    channel: p.channel,
    insideTurn: p.insideTurn,
    trajectory: p.points.map((point) => ({ silenceMs: point.silenceMs, probability: round(heldOut.get(p)!.probability(point)) })),
  }));
  writeFileSync(TRAJECTORIES_FILE, JSON.stringify(trajectories));
  const { fit, weights } = all;
  const kinds = { inside: pauses.filter((p) => p.insideTurn).length, ends: pauses.filter((p) => !p.insideTurn).length };
  const figures = {
    command: 'npm run fit:end-of-turn',
    pauses: kinds,
    samples: all.samples,
    crossValidation: `leave one call out (${calls.length} calls): the trajectories file holds held-out probabilities`,
    l2: L2,
    logLoss: round(fit.logLoss),
    iterations: fit.iterations,
    weights: Object.fromEntries(FEATURE_NAMES.map((name, i) => [name, weights.weights[i]])),
    bias: weights.bias,
  };
  writeFileSync(FIT_FILE, `${JSON.stringify(figures, null, 2)}\n`);
  console.log(JSON.stringify(figures, null, 2));
  console.log(`wrote ${WEIGHTS_FILE}, ${TRAJECTORIES_FILE}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
