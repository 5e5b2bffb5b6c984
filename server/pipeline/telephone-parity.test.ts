import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSamples } from '../../audio/pcm-decoder.js';
import { wordErrorRate } from '../../clients/wer.js';
import { PocketSphinxEngine } from '../../models/asr/pocketsphinx/pocketsphinx-engine.js';
import { SERVING_SEARCH_ARGS } from '../../models/asr/pocketsphinx/search-args.js';
import { VadEngine } from '../../models/vad/vad-engine.js';
import { resampleTo16k } from '../../test/support/audio-fixtures.js';
import { buildTelephoneCall, loadTelephonePrompts, telephoneManifestFiles, TELEPHONE_CORPUS_PRESENT } from '../../test/support/grpc-telephone-call.js';
import { finalTexts, runChannel } from '../../test/support/heard-audio.js';
import { rawEngineTranscripts } from '../../test/support/raw-engine.js';
import { WorkScheduler } from '../scheduler/work-scheduler.js';

/** Twelve prompts none of which the telephone benchmark uses (it takes rows 0, 7, 14, ...). */
const PROMPT_ROWS = Array.from({ length: 12 }, (_, k) => 3 + 7 * k);
const GAP_MS = 1000;

// The telephone prompts come from ../shared/corpus, which CI places beside the clone.
describe.skipIf(!TELEPHONE_CORPUS_PRESENT)('ChannelPipeline on 8 kHz mu-law telephone speech', () => {
  let vad: VadEngine;
  let asr: PocketSphinxEngine;
  const scheduler = new WorkScheduler({ concurrency: 2, urgentReserve: 1, utilizationWindowMs: 1000 });

  beforeAll(async () => {
    [vad, asr] = await Promise.all([VadEngine.load({ thread: 'caller' }), PocketSphinxEngine.create({ decoderArgs: SERVING_SEARCH_ARGS })]);
  });
  afterAll(async () => {
    scheduler.close();
    await Promise.all([vad?.close(), asr?.close()]);
  });

  // The reference is PocketSphinx alone on each prompt as one utterance, upsampled and mu-law
  // coded as the server does, on one decoder (live CMN carried, as a channel's decoder does):
  // the pipeline's segmentation, pre-roll and trailing silence must cost no words.
  it('is within 2 points of PocketSphinx alone on the same prompts', { timeout: 120_000 }, async () => {
    const files = telephoneManifestFiles();
    const prompts = loadTelephonePrompts(PROMPT_ROWS.map((row) => files[row]!));
    const call = buildTelephoneCall(prompts, 'mulaw', 1, GAP_MS);
    const channel = resampleTo16k(decodeSamples(call.data, 'mulaw', 1), 8000);
    const { events } = await runChannel(channel, { vad, asr, scheduler });

    const reference = prompts.map((p) => p.transcript).join(' ');
    const parley = wordErrorRate(reference, finalTexts(events).join(' '));
    const raw = wordErrorRate(reference, (await rawEngineTranscripts(call.turns[0]!.map((t) => t.heard16k))).join(' '));
    expect(events.filter((e) => e.type === 'turn.end')).toHaveLength(prompts.length);
    expect(parley).toBeLessThanOrEqual(raw + 0.02);
  });
});
