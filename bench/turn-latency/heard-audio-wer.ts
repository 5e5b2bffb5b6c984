import { wordErrorRate } from '../../clients/wer.js';
import { PocketSphinxEngine } from '../../models/asr/pocketsphinx/pocketsphinx-engine.js';
import { SERVING_SEARCH_ARGS } from '../../models/asr/pocketsphinx/search-args.js';
import { VadEngine } from '../../models/vad/vad-engine.js';
import { WorkScheduler } from '../../server/scheduler/work-scheduler.js';
import { finalTexts, runChannel } from '../../test/support/heard-audio.js';
import { rawEngineTranscripts } from '../../test/support/raw-engine.js';
import type { BenchCall } from './bench-calls.js';

/**
 * Where a WER difference against PocketSphinx alone comes from: runs each call through the
 * server's channel pipeline in this process, then PocketSphinx alone on exactly the audio the
 * pipeline's recognizer heard. Equal figures mean the difference is in which audio each turn
 * covers (the VAD's segmentation), not in scheduling, merging or the stabilizer.
 */
export async function heardAudioWer(calls: BenchCall[]): Promise<{ pipeline: number; rawOnHeardAudio: number }> {
  const [vad, asr] = await Promise.all([VadEngine.load({ thread: 'caller' }), PocketSphinxEngine.create({ decoderArgs: SERVING_SEARCH_ARGS })]);
  const scheduler = new WorkScheduler({ concurrency: 2, urgentReserve: 1, utilizationWindowMs: 1000 });
  const references: string[] = [];
  const pipeline: string[] = [];
  const raw: string[] = [];
  try {
    for (const call of calls) {
      const { events, heard } = await runChannel(call.samples, { vad, asr, scheduler });
      references.push(...call.turns.map((t) => t.transcript));
      pipeline.push(...finalTexts(events));
      raw.push(...(await rawEngineTranscripts(heard)));
    }
  } finally {
    scheduler.close();
    await Promise.all([vad.close(), asr.close()]);
  }
  const reference = references.join(' ');
  return { pipeline: wordErrorRate(reference, pipeline.join(' ')), rawOnHeardAudio: wordErrorRate(reference, raw.join(' ')) };
}
