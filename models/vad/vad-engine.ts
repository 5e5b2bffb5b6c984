import type { Worker } from 'node:worker_threads';
import { ParleyError } from '../../proto/errors.js';
import type { ExecutionProvider } from '../onnx/onnx-session-factory.js';
import { SileroVadModel, type SileroVadModelOptions } from './silero-vad-model.js';
import { VadBatcher, type VadBatchRunner, type VadBatcherOptions, type VadBatcherStats } from './vad-batcher.js';
import { VadStream } from './vad-stream.js';
import { VadWorkerRunner, type VadWorkerSupervisionOptions } from './vad-worker-runner.js';

export type { VadWorkerStatus } from './vad-worker-runner.js';

/** The supervision options apply to the worker thread only. */
export interface VadEngineOptions extends SileroVadModelOptions, VadBatcherOptions, VadWorkerSupervisionOptions {
  /**
   * Where inference runs. Default 'worker': a worker thread, because onnxruntime-node runs
   * the native call synchronously on the calling thread. 'caller' is for tools and tests.
   */
  thread?: 'worker' | 'caller';
}

/** A loaded model that runs batches somewhere: this thread, or a worker thread. */
type VadModelHost = VadBatchRunner & {
  readonly executionProvider: ExecutionProvider;
  readonly healthy: boolean;
  close(): Promise<void>;
};

/** The VAD for a whole server: one model, one batcher, any number of channel streams. */
export class VadEngine {
  private readonly streams = new Set<VadStream>();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly model: VadModelHost,
    private readonly batcher: VadBatcher,
  ) {}

  static async load(options: VadEngineOptions = {}): Promise<VadEngine> {
    const { maxBatch, maxWaitMs, runThrough, thread = 'worker', restartDelayMs, maxRestartDelayMs, closeTimeoutMs, onStatus, ...modelOptions } =
      options;
    const model: VadModelHost =
      thread === 'worker'
        ? await VadWorkerRunner.start(modelOptions, { restartDelayMs, maxRestartDelayMs, closeTimeoutMs, onStatus })
        : await SileroVadModel.load(modelOptions);
    try {
      return new VadEngine(model, new VadBatcher(model, { maxBatch, maxWaitMs, runThrough }));
    } catch (err) {
      await model.close();
      throw err;
    }
  }

  get executionProvider(): ExecutionProvider {
    return this.model.executionProvider;
  }

  /** The model takes batches: false while a dead worker is being replaced, and after close. */
  get healthy(): boolean {
    return !this.closing && this.model.healthy;
  }

  /** The worker thread running the model (none with thread 'caller'). For supervision tests, which make it die. */
  get worker(): Worker | undefined {
    return this.model instanceof VadWorkerRunner ? this.model.worker : undefined;
  }

  get stats(): Readonly<VadBatcherStats> {
    return this.batcher.stats;
  }

  get openStreams(): number {
    return this.streams.size;
  }

  openStream(): VadStream {
    if (this.closing) throw new ParleyError('session_ended', 'VAD engine is closed');
    const stream: VadStream = new VadStream(this.batcher, { onClose: () => this.streams.delete(stream) });
    this.streams.add(stream);
    return stream;
  }

  /** Closes every stream, rejects queued chunks, then releases the model. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const stream of [...this.streams]) stream.close();
      await this.batcher.close();
      await this.model.close();
    })();
    return this.closing;
  }
}
