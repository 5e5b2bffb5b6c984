import type { AsrEngine } from '../models/asr/asr-engine.js';
import { PocketSphinxEngine } from '../models/asr/pocketsphinx/pocketsphinx-engine.js';
import { ACOUSTIC_MODEL, pocketSphinxModelVersion } from '../models/asr/pocketsphinx/pocketsphinx-model.js';
import { StreamingAsrEngine, type AsrStepRequest } from '../models/asr/streaming-asr-engine.js';
import { TransducerEngine } from '../models/asr/transducer/transducer-engine.js';
import type { ExecutionProvider } from '../models/onnx/onnx-session-factory.js';
import type { RecognizerInfo } from '../proto/messages.js';
import { SERVING_SEARCH_ARGS } from '../models/asr/pocketsphinx/search-args.js';
import { VadEngine } from '../models/vad/vad-engine.js';
import { PitchTrackWorker } from '../models/turn/pitch-track-worker.js';
import type { ServerOptions } from './config/server-options.js';
import { ModelBatcher, type ModelBatchObserver } from '../models/batching/model-batcher.js';
import { WORK_TIER, type WorkClass } from './scheduler/work-class.js';
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
  onEngineEvent(engine: 'vad' | 'asr' | 'pitch', event: EngineEvent): void;
  /** Told about every model batch the scheduler forms (metrics). */
  batchObserver?: ModelBatchObserver;
}

/**
 * Loads the models every session shares. Every model run goes through the scheduler:
 * VAD batches, and the recognizer's decoder creation, stream drains and decodes. The pitch
 * tracks of the end-of-turn model's pauses run on a worker thread of their own.
 */
export async function loadEngines(options: ServerOptions, scheduler: WorkScheduler, supervision: EngineSupervision): Promise<HostedEngines> {
  const { vadDeadlineMs, vadMaxWaitMs } = options;
  const [vad, recognizer, pitch] = await Promise.all([
    VadEngine.load({
      maxWaitMs: vadMaxWaitMs,
      deadlineMs: vadDeadlineMs,
      runThrough: (deadline, run) => scheduler.submit({ workClass: 'vad', key: 'model:vad', deadline, run }),
      observer: supervision.batchObserver,
      onStatus: (event) => supervision.onEngineEvent('vad', event),
    }),
    options.asrEngine === 'transducer' ? loadTransducer(options, scheduler, supervision) : loadPocketSphinx(options, scheduler),
    // Without it serving, pitch is tracked on the event loop: turns go on, so health stays.
    PitchTrackWorker.start({ onStatus: (event) => supervision.onEngineEvent('pitch', event) }),
  ]);
  return {
    vad,
    asr: recognizer.asr,
    pitch,
    recognizer: recognizer.info,
    executionProvider: recognizer.executionProvider,
    get healthy() {
      return vad.healthy && recognizer.healthy();
    },
    close: async () => {
      await Promise.all([vad.close(), recognizer.asr.close(), pitch.close()]);
    },
  };
}

interface LoadedRecognizer {
  asr: AsrEngine;
  info: RecognizerInfo;
  /** Where the recognizer's model runs; null for PocketSphinx (native, CPU). */
  executionProvider: ExecutionProvider | null;
  healthy(): boolean;
}

async function loadPocketSphinx(options: ServerOptions, scheduler: WorkScheduler): Promise<LoadedRecognizer> {
  const [asr, version] = await Promise.all([
    PocketSphinxEngine.create({
      decoderArgs: SERVING_SEARCH_ARGS,
      maxDecoders: options.maxDecoders,
      maxIdleDecoders: Math.min(options.maxDecoders, Math.max(IDLE_DECODERS, options.prewarmDecoders)),
      idleDecoderTtlMs: options.decoderIdleMs,
      decodeNiceness: options.decodeNice,
      // Setup work has no turn waiting on it: it runs in the partial tier, never ahead of a turn's end.
      runThrough: (work, run) => scheduler.submit({ workClass: 'partial', key: `asr:${work}`, deadline: performance.now() + options.partialDeadlineMs, run }),
    }),
    pocketSphinxModelVersion(),
  ]);
  await asr.prewarm(options.prewarmDecoders);
  return { asr, info: { engine: asr.name, model: ACOUSTIC_MODEL, ...version }, executionProvider: null, healthy: () => true };
}

async function loadTransducer(options: ServerOptions, scheduler: WorkScheduler, supervision: EngineSupervision): Promise<LoadedRecognizer> {
  const engine = await TransducerEngine.load({
    modelDir: options.asrModelDir!,
    precision: options.asrModelPrecision,
    executionProvider: options.onnxProvider,
    decodingMethod: options.asrDecodingMethod,
    maxActivePaths: options.asrMaxActivePaths,
    // A dead worker's streams are lost (their sessions fail with engine_failure); /healthz says
    // 503 until the restarted worker serves.
    onStatus: (event) => supervision.onEngineEvent('asr', event),
  });
  // The scheduler forms the batches (design.md section 5): steps of many sessions' streams,
  // one encoder run each batch, ranked by class and deadline, on the model's worker thread.
  const batcher = new ModelBatcher<number, void, WorkClass>({
    model: 'transducer',
    tierOf: (workClass) => WORK_TIER[workClass],
    maxBatch: options.asrMaxBatch,
    maxWaitMs: options.asrBatchWaitMs,
    runBatch: async (streams) => {
      // A stream closed (or lost with a dead worker) after its step was batched has nothing left to decode.
      await engine.decode(streams.filter((id) => engine.canDecode(id)));
      return streams.map(() => undefined);
    },
    runThrough: (workClass, deadline, run) => scheduler.submit({ workClass, key: 'model:transducer', deadline, run }),
    observer: supervision.batchObserver,
  });
  const stepper = {
    step: ({ key, workClass, deadline, stream }: AsrStepRequest) => batcher.submit({ key, workClass, deadline, input: stream }),
    cancel: (key: string) => batcher.cancel(key),
  };
  return {
    asr: new StreamingAsrEngine(engine, stepper),
    info: { engine: engine.name, model: engine.info.encoder.exportKind, ...engine.version },
    executionProvider: engine.info.executionProvider,
    healthy: () => engine.healthy,
  };
}
