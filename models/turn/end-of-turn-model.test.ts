import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { benchmarkCalls, CORPUS_DIR } from '../../bench/turn-taking/corpus-calls.js';
import { extractChannelPauses, type ExtractedPause } from '../../bench/turn-taking/pause-extraction.js';
import { WorkScheduler } from '../../server/scheduler/work-scheduler.js';
import { PocketSphinxEngine } from '../asr/pocketsphinx/pocketsphinx-engine.js';
import { SERVING_SEARCH_ARGS } from '../asr/pocketsphinx/search-args.js';
import { VadEngine } from '../vad/vad-engine.js';
import { FEATURE_NAMES } from './end-of-turn-features.js';
import { EndOfTurnModel } from './end-of-turn-model.js';
import { FITTED_END_OF_TURN_WEIGHTS } from './end-of-turn-weights.js';

describe('EndOfTurnModel', () => {
  it('refuses weights fitted for other features', () => {
    expect(() => new EndOfTurnModel({ features: ['log_silence'], bias: 0, weights: [1] })).toThrow(/fit again/);
    const reordered = [...FITTED_END_OF_TURN_WEIGHTS.features].reverse();
    expect(() => new EndOfTurnModel({ ...FITTED_END_OF_TURN_WEIGHTS, features: reordered })).toThrow(/fit again/);
    expect(FITTED_END_OF_TURN_WEIGHTS.features).toEqual([...FEATURE_NAMES]);
  });
});

// Hand-checked spots of sonnet-1.wav (its line timings in sonnet-1.csv; audio/prosody-features.test.ts
// has their prosody): the line "Thyself thy foe, to thy sweet self too cruel:" ends a sentence at
// about 30.4 s (falling, low, lengthened), and the reader pauses inside it, between "sweet self"
// and "too cruel", at about 29.3 s.
const SENTENCE_END = { fromMs: 30_200, toMs: 31_100 };
const HESITATION = { fromMs: 29_100, toMs: 30_000 };

describe.skipIf(!existsSync(CORPUS_DIR))('the fitted end-of-turn model on hand-checked spots of the corpus', () => {
  let pauses: ExtractedPause[];
  let engines: { vad: VadEngine; asr: PocketSphinxEngine; scheduler: WorkScheduler };
  const model = new EndOfTurnModel();

  beforeAll(async () => {
    const [vad, asr] = await Promise.all([VadEngine.load({ thread: 'caller' }), PocketSphinxEngine.create({ decoderArgs: SERVING_SEARCH_ARGS })]);
    engines = { vad, asr, scheduler: new WorkScheduler({ concurrency: 2, urgentReserve: 1, utilizationWindowMs: 1000, ownThreadClasses: ['vad', 'turn'] }) };
    const sonnet = benchmarkCalls().find((c) => c.id === 'monologue/sonnet-1')!;
    pauses = await extractChannelPauses(sonnet, 0, engines, { maxSilenceMs: 1200, pushMs: 32 });
  }, 120_000);

  afterAll(async () => {
    engines.scheduler.close();
    await Promise.all([engines.vad.close(), engines.asr.close()]);
  });

  const pauseIn = (span: { fromMs: number; toMs: number }) => {
    const found = pauses.filter((p) => p.speechEndMs >= span.fromMs && p.speechEndMs <= span.toMs);
    expect(found, `one pause between ${span.fromMs} and ${span.toMs} ms`).toHaveLength(1);
    return found[0]!;
  };
  const probabilityAfter = (pause: ExtractedPause, silenceMs: number) => model.probability(pause.points.find((p) => p.silenceMs >= silenceMs)!);

  it('scores the falling sentence end above the hesitation inside the sentence, at the same silence', () => {
    const end = pauseIn(SENTENCE_END);
    const hesitation = pauseIn(HESITATION);
    expect(end.points[0]!.prosody.finalPitchLevel).toBeLessThan(hesitation.points[0]!.prosody.finalPitchLevel);
    for (const silenceMs of [96, 160]) expect(probabilityAfter(end, silenceMs)).toBeGreaterThan(probabilityAfter(hesitation, silenceMs));
  });

  it('grows more sure as a pause goes on', () => {
    const end = pauseIn(SENTENCE_END);
    const probabilities = end.points.map((p) => model.probability(p));
    for (let i = 1; i < probabilities.length; i++) expect(probabilities[i]!).toBeGreaterThanOrEqual(probabilities[i - 1]!);
    expect(probabilities.at(-1)!).toBeGreaterThan(probabilities[0]! + 0.1);
  });
});
