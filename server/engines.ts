import { PocketSphinxEngine } from '../models/asr/pocketsphinx/pocketsphinx-engine.js';
import { SERVING_SEARCH_ARGS } from '../models/asr/pocketsphinx/search-args.js';
import { VadEngine } from '../models/vad/vad-engine.js';
import type { WorkScheduler } from './scheduler/work-scheduler.js';
import type { SessionEngines } from './session/session.js';

export interface LoadEnginesOptions {
  prewarmDecoders: number;
  /** Every VAD batch runs through it, so VAD work is ranked with the rest. */
  scheduler: WorkScheduler;
  vadDeadlineMs: number;
  vadMaxWaitMs: number;
}

/** Loads the models every session shares. */
export async function loadEngines(options: LoadEnginesOptions): Promise<SessionEngines> {
  const { scheduler, vadDeadlineMs, vadMaxWaitMs } = options;
  const [vad, asr] = await Promise.all([
    VadEngine.load({
      maxWaitMs: vadMaxWaitMs,
      runThrough: (run) => scheduler.submit({ workClass: 'vad', key: 'vad', deadline: performance.now() + vadDeadlineMs, run }),
    }),
    PocketSphinxEngine.create({ decoderArgs: SERVING_SEARCH_ARGS }),
  ]);
  await asr.prewarm(options.prewarmDecoders);
  return { vad, asr };
}

export async function closeEngines(engines: SessionEngines): Promise<void> {
  await Promise.all([engines.vad.close(), engines.asr.close()]);
}
