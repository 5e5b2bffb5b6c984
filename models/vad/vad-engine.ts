import type { Worker } from 'node:worker_threads';
import { ParleyError } from '../../proto/errors.js';
import type { ExecutionProvider } from '../onnx/onnx-session-factory.js';
import { SileroVadModel, type SileroVadModelOptions } from './silero-vad-model.js';
import { ModelBatcher, type ModelBatchObserver, type ModelBatchStats } from '../batching/model-batcher.js';
import type { VadModelInput, VadModelOutput } from './silero-vad-model.js';
import { VadStream } from './vad-stream.js';
import { VadWorkerRunner, type VadWorkerSupervisionOptions } from './vad-worker-runner.js';

/** How the VAD's chunks of many streams are batched. */
export interface VadBatchingOptions {
  /** Most chunks in one model run. Default 32. */
  maxBatch?: number;
  /**
   * How long a chunk may wait for other streams' chunks. Default 0: the chunks submitted in
   * the same tick share a batch, which starts on the next macrotask.
   */
  maxWaitMs?: number;
  /** A chunk's deadline after it is submitted, for the scheduler (design.md section 5). Default 25. */
  deadlineMs?: number;
  /** Runs each batch; the server passes its scheduler, so VAD work is ranked with all other model work. */
  runThrough?: <T>(deadline: number, run: () => Promise<T>) => Promise<T>;
  observer?: ModelBatchObserver;
}

/** The supervision options apply to the worker thread only. */
export interface VadEngineOptions extends SileroVadModelOptions, VadBatchingOptions, VadWorkerSupervisionOptions {
  /**
   * Where inference runs. Default 'worker': a worker thread, because onnxruntime-node runs
   * the native call synchronously on the calling thread. 'caller' is for tools and tests.
   */
  thread?: 'worker' | 'caller';
}

/** A loaded model that runs batches somewhere: this thread, or a worker thread. */
type VadModelHost = {
  runBatch(items: readonly VadModelInput[]): Promise<VadModelOutput[]>;
  readonly executionProvider: ExecutionProvider;
  readonly healthy: boolean;
  close(): Promise<void>;
};

/** The VAD for a whole server: one model, one batcher, any number of channel streams. */
export class VadEngine {
  private readonly streams = new Set<VadStream>();
  private closing: Promise<void> | undefined;
  private nextStream = 0;

  private constructor(
    private readonly model: VadModelHost,
    private readonly batcher: ModelBatcher<VadModelInput, VadModelOutput, 'vad'>,
    private readonly deadlineMs: number,
  ) {}

  static async load(options: VadEngineOptions = {}): Promise<VadEngine> {
    const { maxBatch = 32, maxWaitMs = 0, deadlineMs = 25, runThrough, observer, thread = 'worker', restartDelayMs, maxRestartDelayMs, closeTimeoutMs, onStatus, ...modelOptions } =
      options;
    const model: VadModelHost =
      thread === 'worker'
        ? await VadWorkerRunner.start(modelOptions, { restartDelayMs, maxRestartDelayMs, closeTimeoutMs, onStatus })
        : await SileroVadModel.load(modelOptions);
    try {
      const batcher = new ModelBatcher<VadModelInput, VadModelOutput, 'vad'>({
        model: 'vad',
        maxBatch,
        maxWaitMs,
        tierOf: () => 0,
        runBatch: (items) => model.runBatch(items),
        runThrough: runThrough && ((_class, deadline, run) => runThrough(deadline, run)),
        observer,
      });
      return new VadEngine(model, batcher, deadlineMs);
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

  get stats(): Readonly<ModelBatchStats> {
    return this.batcher.stats;
  }

  get openStreams(): number {
    return this.streams.size;
  }

  openStream(): VadStream {
    if (this.closing) throw new ParleyError('session_ended', 'VAD engine is closed');
    const key = `vad-${this.nextStream++}`;
    const runner = { run: (input: VadModelInput) => this.batcher.submit({ key, workClass: 'vad' as const, deadline: performance.now() + this.deadlineMs, input }) };
    const stream: VadStream = new VadStream(runner, {
      onClose: () => {
        this.streams.delete(stream);
        this.batcher.cancel(key);
      },
    });
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
