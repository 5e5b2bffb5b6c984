import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ParleyError } from '../../proto/errors.js';
import type { ExecutionProvider } from '../onnx/onnx-session-factory.js';
import { projectRoot } from '../../proto/project-root.js';
import type { SileroVadModelOptions, VadModelInput, VadModelOutput } from './silero-vad-model.js';
import type { VadBatchRunner } from './vad-batcher.js';
import type { VadWorkerReply, VadWorkerRequest } from './vad-worker-protocol.js';

/** The compiled worker entry; from source (vitest) too, since a worker cannot load TypeScript. */
const WORKER_ENTRY = 'dist/models/vad/vad-worker-main.js';

interface Pending {
  resolve(outputs: VadModelOutput[]): void;
  reject(error: unknown): void;
}

/** Runs Silero VAD batches on a worker thread, off the event loop. */
export class VadWorkerRunner implements VadBatchRunner {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly executionProvider: ExecutionProvider,
  ) {
    worker.on('message', (reply: VadWorkerReply) => this.onReply(reply));
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', () => this.failAll(new Error('the VAD worker exited')));
  }

  static async start(options: SileroVadModelOptions = {}): Promise<VadWorkerRunner> {
    const entry = join(projectRoot(), WORKER_ENTRY);
    if (!existsSync(entry)) throw new ParleyError('engine_failure', `VAD worker missing at ${entry}: run "npm run build:ts"`);
    const worker = new Worker(entry, { workerData: options });
    const executionProvider = await new Promise<ExecutionProvider>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', (reply: VadWorkerReply) => {
        if (reply.type === 'ready') resolve(reply.executionProvider);
        else reject(new ParleyError('engine_failure', `VAD worker failed to load the model: ${'message' in reply ? reply.message : reply.type}`));
      });
    }).catch(async (error: unknown) => {
      await worker.terminate();
      throw error;
    });
    return new VadWorkerRunner(worker, executionProvider);
  }

  runBatch(items: readonly VadModelInput[]): Promise<VadModelOutput[]> {
    if (this.closing) return Promise.reject(new ParleyError('session_ended', 'VAD worker is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.post({ type: 'run', id, items });
    });
  }

  /** Lets running batches finish, then releases the model and stops the thread. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.worker.once('exit', () => resolve());
      this.post({ type: 'close' });
    });
    return this.closing;
  }

  private post(request: VadWorkerRequest): void {
    this.worker.postMessage(request);
  }

  private onReply(reply: VadWorkerReply): void {
    if (reply.type !== 'result' && reply.type !== 'error') return;
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (reply.type === 'result') pending.resolve(reply.outputs);
    else pending.reject(new ParleyError('engine_failure', `VAD inference failed: ${reply.message}`));
  }

  private failAll(error: unknown): void {
    for (const pending of this.pending.values()) pending.reject(new ParleyError('engine_failure', `VAD worker: ${String(error)}`));
    this.pending.clear();
  }
}
