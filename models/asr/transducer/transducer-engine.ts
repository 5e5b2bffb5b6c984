import type { Worker } from 'node:worker_threads';
import { ParleyError } from '../../../proto/errors.js';
import type { AsrWord } from '../asr-engine.js';
import type { StreamingAsrModel } from '../streaming-asr-model.js';
import type { ExecutionProvider } from '../../onnx/onnx-session-factory.js';
import { FeatureQueue } from './feature-queue.js';
import type { ModelVersion } from '../../model-version.js';
import { findModelFiles, modelFolderVersion, type ModelPrecision } from './model-folder.js';
import { TokenTable } from './token-table.js';
import type { DecodingMethod, TransducerModelInfo } from './transducer-model.js';
import { TransducerWorker } from './transducer-worker.js';

/** Feature frames are 10 ms and the encoder subsamples by 4: one output frame is 40 ms. */
export const ENCODER_FRAME_MS = 40;
/** 10 ms hop of the fbank front end at 16 kHz. */
const FEATURE_FRAME_SAMPLES = 160;

export interface TransducerEngineOptions {
  /** A streaming Zipformer folder as sherpa-onnx publishes it. */
  modelDir: string;
  precision?: ModelPrecision;
  executionProvider?: ExecutionProvider;
  /** Threads inside one operator. Default 1: the engine scales by batching. */
  intraOpThreads?: number;
  /** Default greedy search, as sherpa-onnx; the beam keeps `maxActivePaths` (default 4) paths per stream. */
  decodingMethod?: DecodingMethod;
  maxActivePaths?: number;
  /** Told, once, why the model's worker thread died (internal text, for the log); the engine then fails every step. */
  onFailure?: (detail: string) => void;
}

export interface TransducerResult {
  tokens: number[];
  /** Encoder frame of each token, from the utterance's start. */
  frames: number[];
  text: string;
  words: AsrWord[];
}

interface Stream {
  features: FeatureQueue;
  tokens: number[];
  frames: number[];
  /** A step of it is on the worker: it is neither ready nor resettable meanwhile. */
  busy: boolean;
}

/**
 * A streaming Zipformer transducer shaped for batching (design 6): feeding audio is cheap
 * and synchronous (fbank here, on the caller's thread), the engine says which streams have a
 * chunk ready, one `decode` runs a step over a batch of streams on the worker thread, where
 * every stream's encoder and search state lives, and results are read per stream.
 */
export class TransducerEngine implements StreamingAsrModel {
  readonly name = 'transducer';
  /** Any: the scheduler's batcher bounds a batch (`PARLEY_ASR_MAX_BATCH`). */
  readonly maxBatch = Number.POSITIVE_INFINITY;
  private readonly streams = new Map<number, Stream>();
  private nextStream = 0;

  private constructor(
    private readonly worker: TransducerWorker,
    private readonly tokens: TokenTable,
    readonly version: ModelVersion,
  ) {}

  static async load(options: TransducerEngineOptions): Promise<TransducerEngine> {
    const files = await findModelFiles(options.modelDir, options.precision);
    const [tokens, version] = await Promise.all([TokenTable.load(files.tokens), modelFolderVersion(files)]);
    const modelOptions = {
      executionProvider: options.executionProvider,
      intraOpThreads: options.intraOpThreads,
      unkId: tokens.unkId,
      decodingMethod: options.decodingMethod,
      maxActivePaths: options.maxActivePaths,
    };
    const worker = await TransducerWorker.start({ paths: files, options: modelOptions }, options.onFailure);
    if (worker.info.vocabSize !== tokens.size) {
      await worker.close();
      throw new ParleyError('bad_config', `${files.tokens} has ${tokens.size} tokens but the decoder's vocab_size is ${worker.info.vocabSize}`);
    }
    return new TransducerEngine(worker, tokens, version);
  }

  get info(): TransducerModelInfo {
    return this.worker.info;
  }

  get healthy(): boolean {
    return this.worker.healthy;
  }

  /** Streams open (not yet closed by their session). */
  get openStreams(): number {
    return this.streams.size;
  }

  /** The model's worker thread. For failure tests, which end it. */
  get workerThread(): Worker {
    return this.worker.thread;
  }

  /**
   * Zeros after an utterance's audio: a chunk is decoded only once a whole chunk and one
   * frame more are there, so this pushes the utterance's last frames through the encoder.
   */
  get tailPaddingSamples(): number {
    return (this.info.encoder.chunkFrames + 1) * FEATURE_FRAME_SAMPLES;
  }

  async openStream(options: { signal?: AbortSignal } = {}): Promise<number> {
    if (options.signal?.aborted) throw new ParleyError('session_ended', 'the session ended while waiting for a recognizer');
    if (!this.healthy) throw new ParleyError('engine_failure', 'the transducer engine is unavailable');
    const id = this.nextStream++;
    const { chunkFrames, chunkShift, featureDim } = this.info.encoder;
    this.streams.set(id, { features: new FeatureQueue(chunkFrames, chunkShift, featureDim), tokens: [], frames: [], busy: false });
    this.worker.reset(id);
    return id;
  }

  /** 16 kHz mono samples in [-1, 1]. */
  acceptWaveform(id: number, samples: Float32Array): void {
    this.stream(id).features.accept(samples);
  }

  /** The utterance's audio is complete: its trailing frames become decodable. */
  inputFinished(id: number): void {
    this.stream(id).features.finish();
  }

  isOpen(id: number): boolean {
    return this.streams.has(id);
  }

  isReady(id: number): boolean {
    const stream = this.stream(id);
    return !stream.busy && stream.features.ready;
  }

  readyStreams(): number[] {
    return [...this.streams.entries()].filter(([, s]) => !s.busy && s.features.ready).map(([id]) => id);
  }

  /** One encoder chunk and its greedy search for each of `ids` (each must be ready), as one batch. */
  async decode(ids: readonly number[]): Promise<void> {
    const batch = ids.map((id) => {
      const stream = this.stream(id);
      if (!this.isReady(id)) throw new ParleyError('engine_failure', `stream ${id} has no chunk ready`);
      stream.busy = true;
      return { id, stream, features: stream.features.takeChunk() };
    });
    try {
      const outputs = await this.worker.step(batch.map(({ id, features }) => ({ stream: id, features })));
      outputs.forEach((output, i) => {
        const { stream } = batch[i]!;
        stream.tokens = output.tokens;
        stream.frames = output.frames;
      });
    } finally {
      for (const { stream } of batch) stream.busy = false;
    }
  }

  result(id: number): TransducerResult {
    const { tokens, frames } = this.stream(id);
    const words = this.tokens.words(tokens, frames, ENCODER_FRAME_MS);
    return { tokens: [...tokens], frames: [...frames], text: words.map((w) => w.word).join(' '), words };
  }

  /** Starts a new utterance: features, tokens and the worker's states from zero. */
  reset(id: number): void {
    const stream = this.stream(id);
    if (stream.busy) throw new ParleyError('engine_failure', `stream ${id} is being decoded`);
    stream.features.reset();
    stream.tokens = [];
    stream.frames = [];
    this.worker.reset(id);
  }

  closeStream(id: number): void {
    if (!this.streams.delete(id)) return;
    this.worker.closeStream(id);
  }

  async close(): Promise<void> {
    this.streams.clear();
    await this.worker.close();
  }

  private stream(id: number): Stream {
    const stream = this.streams.get(id);
    if (!stream) throw new ParleyError('engine_failure', `stream ${id} is not open`);
    return stream;
  }
}
