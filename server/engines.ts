import { PocketSphinxEngine } from '../models/asr/pocketsphinx/pocketsphinx-engine.js';
import { SERVING_SEARCH_ARGS } from '../models/asr/pocketsphinx/search-args.js';
import { VadEngine } from '../models/vad/vad-engine.js';
import type { ServerOptions } from './config/server-options.js';
import type { WorkScheduler } from './scheduler/work-scheduler.js';
import type { HostedEngines } from './session/session-host.js';

/** Decoders kept loaded between sessions (beyond the prewarmed ones, until `decoderIdleMs`). */
const IDLE_DECODERS = 4;

export interface EngineEvent {
  kind: 'failed' | 'restarted';
  /** Internal detail, for the log only. */
  detail: string;
}

export interface EngineSupervision {
  onEngineEvent(engine: 'vad' | 'asr', event: EngineEvent): void;
}

/**
 * Loads the models every session shares. Every model run goes through the scheduler:
 * VAD batches, and the recognizer's decoder creation and stream drains.
 */
export async function loadEngines(options: ServerOptions, scheduler: WorkScheduler, supervision: EngineSupervision): Promise<HostedEngines> {
  const { vadDeadlineMs, vadMaxWaitMs, partialDeadlineMs } = options;
  const [vad, asr] = await Promise.all([
    VadEngine.load({
      maxWaitMs: vadMaxWaitMs,
      runThrough: (run) => scheduler.submit({ workClass: 'vad', key: 'vad', deadline: performance.now() + vadDeadlineMs, run }),
      onStatus: (event) => supervision.onEngineEvent('vad', event),
    }),
    PocketSphinxEngine.create({
      decoderArgs: SERVING_SEARCH_ARGS,
      maxDecoders: options.maxDecoders,
      maxIdleDecoders: Math.min(options.maxDecoders, Math.max(IDLE_DECODERS, options.prewarmDecoders)),
      idleDecoderTtlMs: options.decoderIdleMs,
      decodeNiceness: options.decodeNice,
      // Setup work has no turn waiting on it: it runs in the partial tier, never ahead of a turn's end.
      runThrough: (work, run) => scheduler.submit({ workClass: 'partial', key: `asr:${work}`, deadline: performance.now() + partialDeadlineMs, run }),
    }),
  ]);
  await asr.prewarm(options.prewarmDecoders);
  return {
    vad,
    asr,
    get healthy() {
      return vad.healthy;
    },
    close: async () => {
      await Promise.all([vad.close(), asr.close()]);
    },
  };
}
