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
import type { TransducerWorkerData } from './transducer-worker-protocol.js';
import { WorkerRestarter, type WorkerRestartOptions } from '../../worker-restart.js';

/** Feature frames are 10 ms and the encoder subsamples by 4: one output frame is 40 ms. */
export const ENCODER_FRAME_MS = 40;
/** 10 ms hop of the fbank front end at 16 kHz. */
const FEATURE_FRAME_SAMPLES = 160;

/** A worker that died is restarted (`WorkerRestartOptions`); the streams it held fail. */
export interface TransducerEngineOptions extends WorkerRestartOptions {
  /** A streaming Zipformer folder as sherpa-onnx publishes it. */
  modelDir: string;
  precision?: ModelPrecision;
  executionProvider?: ExecutionProvider;
  /** Threads inside one operator. Default 1: the engine scales by batching. */
  intraOpThreads?: number;
  /** Default greedy search, as sherpa-onnx; the beam keeps `maxActivePaths` (default 4) paths per stream. */
  decodingMethod?: DecodingMethod;
  maxActivePaths?: number;
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
  /** Its encoder and search state died with the worker that held it: it can only be closed. */
  lost: boolean;
}

/**
 * A streaming Zipformer transducer shaped for batching (design 6): feeding audio is cheap
 * and synchronous (fbank here, on the caller's thread), the engine says which streams have a
 * chunk ready, one `decode` runs a step over a batch of streams on the worker thread, where
 * every stream's encoder and search state lives, and results are read per stream. A worker
 * that dies is replaced after a backoff; the streams it held are lost (every call on them
 * but `isOpen` and `closeStream` throws `engine_failure`), and new streams wait for the new
 * worker (`openStream` refuses while none serves).
 */
export class TransducerEngine implements StreamingAsrModel {
  readonly name = 'transducer';
  /** Any: the scheduler's batcher bounds a batch (`PARLEY_ASR_MAX_BATCH`). */
  readonly maxBatch = Number.POSITIVE_INFINITY;
  private readonly streams = new Map<number, Stream>();
  private nextStream = 0;
  private worker!: TransducerWorker;
  private readonly restarter: WorkerRestarter;
  /** A replacement worker loading. */
  private restarting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly workerData: TransducerWorkerData,
    private readonly tokens: TokenTable,
    readonly version: ModelVersion,
    restart: WorkerRestartOptions,
  ) {
    this.restarter = new WorkerRestarter('transducer worker', restart, () => (this.restarting = this.relaunch().finally(() => (this.restarting = undefined))));
  }

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
    const { restartDelayMs, maxRestartDelayMs, onStatus } = options;
    const engine = new TransducerEngine({ paths: files, options: modelOptions }, tokens, version, { restartDelayMs, maxRestartDelayMs, onStatus });
    engine.worker = await engine.startWorker();
    if (engine.info.vocabSize !== tokens.size) {
      await engine.close();
      throw new ParleyError('bad_config', `${files.tokens} has ${tokens.size} tokens but the decoder's vocab_size is ${engine.info.vocabSize}`);
    }
    return engine;
  }

  get info(): TransducerModelInfo {
    return this.worker.info;
  }

  /** A worker serves (false while a dead one is being replaced, and once closed). */
  get healthy(): boolean {
    return !this.closing && this.worker.healthy;
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
    this.streams.set(id, { features: new FeatureQueue(chunkFrames, chunkShift, featureDim), tokens: [], frames: [], busy: false, lost: false });
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

  /**
   * Whether `decode` may take the stream now: open, not lost, ready. Unlike `isReady` it never
   * throws, so a batch formed before a stream closed or its worker died can drop it and go on.
   */
  canDecode(id: number): boolean {
    const stream = this.streams.get(id);
    return stream !== undefined && !stream.lost && !stream.busy && stream.features.ready;
  }

  readyStreams(): number[] {
    return [...this.streams.keys()].filter((id) => this.canDecode(id));
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
      this.restarter.worked();
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
    const stream = this.streams.get(id);
    if (!stream) return;
    this.streams.delete(id);
    if (!stream.lost) this.worker.closeStream(id);
  }

  /** Closes the worker, and one still loading to replace a dead one. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.restarter.cancel();
      this.streams.clear();
      await this.restarting?.catch(() => undefined);
      await this.worker.close();
    })();
    return this.closing;
  }

  private startWorker(): Promise<TransducerWorker> {
    let worker: TransducerWorker | undefined;
    const started = TransducerWorker.start(this.workerData, (detail) => this.lose(worker!, detail));
    return started.then((w) => (worker = w));
  }

  /** `worker` died: its streams are lost; a new one is started after the backoff. */
  private lose(worker: TransducerWorker, detail: string): void {
    if (worker !== this.worker || this.closing) return;
    for (const stream of this.streams.values()) stream.lost = true;
    void worker.close();
    this.restarter.failed(detail);
  }

  /** A replacement worker; rejects (having reported and scheduled the next try) if it fails to start, or the engine closed meanwhile. */
  private async relaunch(): Promise<void> {
    let worker: TransducerWorker;
    try {
      worker = await this.startWorker();
    } catch (error) {
      if (!this.closing) this.restarter.failed(error instanceof Error ? error.message : String(error));
      throw error;
    }
    if (this.closing) {
      await worker.close();
      throw new ParleyError('session_ended', 'the transducer engine is closed');
    }
    this.worker = worker;
  }

  private stream(id: number): Stream {
    const stream = this.streams.get(id);
    if (!stream) throw new ParleyError('engine_failure', `stream ${id} is not open`);
    if (stream.lost) throw new ParleyError('engine_failure', 'the recognizer failed; the stream lost its state');
    return stream;
  }
}
