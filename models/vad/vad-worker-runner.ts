import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ParleyError } from '../../proto/errors.js';
import type { ExecutionProvider } from '../onnx/onnx-session-factory.js';
import { projectRoot } from '../../proto/project-root.js';
import { stopWorker, WorkerRestarter, type WorkerRestartOptions } from '../worker-restart.js';
import type { SileroVadModelOptions, VadModelInput, VadModelOutput } from './silero-vad-model.js';
import type { VadWorkerReply, VadWorkerRequest } from './vad-worker-protocol.js';

/** The compiled worker entry; from source (vitest) too, since a worker cannot load TypeScript. */
const WORKER_ENTRY = 'dist/models/vad/vad-worker-main.js';

export interface VadWorkerSupervisionOptions extends WorkerRestartOptions {
  /** How long `close()` lets the worker finish its batch and exit before terminating it. Default 2000 ms. */
  closeTimeoutMs?: number;
}

interface Pending {
  resolve(outputs: VadModelOutput[]): void;
  reject(error: unknown): void;
}

/**
 * Runs Silero VAD batches on a worker thread, off the event loop. A worker that dies is
 * replaced: its pending batches fail with `engine_failure`, and so does every batch asked
 * for until the new worker has loaded the model.
 */
export class VadWorkerRunner {
  private readonly pending = new Map<number, Pending>();
  private readonly restarter: WorkerRestarter;
  private readonly closeTimeoutMs: number;
  private nextId = 0;
  private provider: ExecutionProvider = 'cpu';
  /** The worker thread, from its start until it dies; it serves once it said ready. */
  private current: Worker | undefined;
  private serving = false;
  /** False until the first worker is ready: a failure before that fails `start()` instead of restarting. */
  private started = false;
  /** Termination of the last worker lost; `close()` waits for it. */
  private lastTermination: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly entry: string,
    private readonly modelOptions: SileroVadModelOptions,
    supervision: VadWorkerSupervisionOptions,
  ) {
    this.restarter = new WorkerRestarter('VAD worker', supervision, () => this.launch());
    this.closeTimeoutMs = supervision.closeTimeoutMs ?? 2000;
    if (!Number.isFinite(this.closeTimeoutMs) || this.closeTimeoutMs < 0) {
      throw new ParleyError('bad_config', `closeTimeoutMs must be >= 0, got ${this.closeTimeoutMs}`);
    }
  }

  /** Starts the worker and waits until it has loaded the model; a model that fails to load fails here. */
  static async start(options: SileroVadModelOptions = {}, supervision: VadWorkerSupervisionOptions = {}): Promise<VadWorkerRunner> {
    const entry = join(projectRoot(), WORKER_ENTRY);
    if (!existsSync(entry)) throw new ParleyError('engine_failure', `VAD worker missing at ${entry}: run "npm run build:ts"`);
    const runner = new VadWorkerRunner(entry, options, supervision);
    try {
      runner.provider = await runner.launch();
    } catch (detail) {
      await runner.lastTermination;
      throw new ParleyError('engine_failure', `VAD worker failed to load the model: ${detail}`);
    }
    runner.started = true;
    return runner;
  }

  get executionProvider(): ExecutionProvider {
    return this.provider;
  }

  /** A worker has loaded the model and takes batches. */
  get healthy(): boolean {
    return this.serving && !this.closing;
  }

  /** The worker thread now running, if any. For supervision tests, which make it die. */
  get worker(): Worker | undefined {
    return this.current;
  }

  runBatch(items: readonly VadModelInput[]): Promise<VadModelOutput[]> {
    if (this.closing) return Promise.reject(new ParleyError('session_ended', 'VAD worker is closed'));
    if (!this.serving) return Promise.reject(new ParleyError('engine_failure', 'VAD is unavailable'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.post({ type: 'run', id, items });
    });
  }

  /**
   * Lets running batches finish, then releases the model and stops the thread; a worker
   * that has not exited after `closeTimeoutMs` is terminated. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.restarter.cancel();
    if (this.current) await stopWorker(this.current, { type: 'close' } satisfies VadWorkerRequest, this.closeTimeoutMs);
    await this.lastTermination;
    this.failPending(new ParleyError('session_ended', 'VAD worker is closed'));
  }

  /** Starts a worker; resolves once it serves. A failure before that rejects with its detail (and is handled by `lose`). */
  private launch(): Promise<ExecutionProvider> {
    const worker = new Worker(this.entry, { workerData: this.modelOptions });
    this.current = worker;
    return new Promise<ExecutionProvider>((resolve, reject) => {
      const fail = (detail: string): void => {
        reject(detail);
        this.lose(worker, detail);
      };
      worker.on('message', (reply: VadWorkerReply) => {
        if (worker !== this.current) return;
        if (reply.type === 'ready') {
          this.serving = true;
          resolve(reply.executionProvider);
        } else if (reply.type === 'failed') {
          fail(`model failed to load: ${reply.message}`);
        } else {
          this.onReply(reply);
        }
      });
      worker.on('error', (error) => fail(`worker error: ${error instanceof Error ? error.message : String(error)}`));
      worker.on('exit', (code) => fail(`worker exited with code ${code}`));
    });
  }

  /** `worker` died or failed: fail what it owed, then restart unless closing. Called once per worker. */
  private lose(worker: Worker, detail: string): void {
    if (worker !== this.current) return; // already lost ('error' comes before 'exit')
    this.current = undefined;
    this.serving = false;
    this.lastTermination = worker.terminate(); // after 'error' or 'failed' the thread may still run
    if (this.closing) {
      this.failPending(new ParleyError('session_ended', 'VAD worker is closed'));
      return;
    }
    this.failPending(new ParleyError('engine_failure', 'VAD worker failed'));
    // A failed restart comes here too: it reports and schedules the next try.
    if (this.started) this.restarter.failed(detail);
  }

  private post(request: VadWorkerRequest): void {
    this.current?.postMessage(request);
  }

  private onReply(reply: Extract<VadWorkerReply, { type: 'result' | 'error' }>): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (reply.type === 'result') {
      this.restarter.worked();
      pending.resolve(reply.outputs);
    } else {
      pending.reject(new ParleyError('engine_failure', `VAD inference failed: ${reply.message}`));
    }
  }

  private failPending(error: ParleyError): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
