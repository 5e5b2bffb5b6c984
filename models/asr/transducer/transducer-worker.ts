import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ParleyError } from '../../../proto/errors.js';
import { projectRoot } from '../../../proto/project-root.js';
import type { StepInput, StepOutput, TransducerModelInfo } from './transducer-model.js';
import type { TransducerWorkerData, TransducerWorkerReply, TransducerWorkerRequest } from './transducer-worker-protocol.js';

/** The compiled worker entry; from source (vitest) too, since a worker cannot load TypeScript. */
const WORKER_ENTRY = 'dist/models/asr/transducer/transducer-worker-main.js';
/** How long `close()` lets the worker release the model and exit before terminating it. */
const CLOSE_TIMEOUT_MS = 2000;

interface Pending {
  resolve(outputs: StepOutput[]): void;
  reject(error: unknown): void;
}

/**
 * The transducer model on its worker thread. Steps are answered in the order asked; stream
 * resets and closes are ordered with them. A worker that dies fails every pending and later
 * step with `engine_failure` (the streams' states died with it).
 */
export class TransducerWorker {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failed = false;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly info: TransducerModelInfo,
    private readonly onFailure: (detail: string) => void,
  ) {
    worker.on('message', (reply: TransducerWorkerReply) => this.onReply(reply));
    worker.on('error', (error) => this.fail(`worker error: ${error.message}`));
    worker.on('exit', (code) => this.fail(`worker exited with code ${code}`));
  }

  /** `onFailure` hears, once, why a worker that served died (internal text, for the log). */
  static async start(data: TransducerWorkerData, onFailure: (detail: string) => void = () => undefined): Promise<TransducerWorker> {
    const entry = join(projectRoot(), WORKER_ENTRY);
    if (!existsSync(entry)) throw new ParleyError('engine_failure', `transducer worker missing at ${entry}: run "npm run build:ts"`);
    const worker = new Worker(entry, { workerData: data });
    let onMessage!: (reply: TransducerWorkerReply) => void;
    let onError!: (error: Error) => void;
    let onExit!: (code: number) => void;
    const info = await new Promise<TransducerModelInfo>((resolve, reject) => {
      const failed = (detail: string) => {
        void worker.terminate();
        reject(new ParleyError('engine_failure', `the transducer model failed to load: ${detail}`));
      };
      onMessage = (reply) => {
        if (reply.type === 'ready') resolve(reply.info);
        else failed(reply.type === 'failed' ? reply.message : `unexpected ${reply.type}`);
      };
      onError = (error) => failed(error.message);
      onExit = (code) => failed(`worker exited with code ${code}`);
      worker.once('message', onMessage).once('error', onError).once('exit', onExit);
    });
    // Only these: Worker keeps listeners of its own (that keep its port running).
    worker.off('error', onError).off('exit', onExit);
    return new TransducerWorker(worker, info, onFailure);
  }

  /** The worker thread. For failure tests, which end it. */
  get thread(): Worker {
    return this.worker;
  }

  get healthy(): boolean {
    return !this.failed && !this.closing;
  }

  step(inputs: StepInput[]): Promise<StepOutput[]> {
    if (this.closing) return Promise.reject(new ParleyError('session_ended', 'the transducer engine is closed'));
    if (this.failed) return Promise.reject(new ParleyError('engine_failure', 'the transducer engine is unavailable'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Each chunk's features are an array of their own: their memory moves to the worker, uncopied.
      this.worker.postMessage({ type: 'step', id, inputs } satisfies TransducerWorkerRequest, inputs.map((i) => i.features.buffer as ArrayBuffer));
    });
  }

  /** Zero states for `stream` (a new stream, or a new utterance of one). */
  reset(stream: number): void {
    this.post({ type: 'reset', stream });
  }

  closeStream(stream: number): void {
    this.post({ type: 'close-stream', stream });
  }

  /** Lets asked steps finish, releases the model and stops the thread. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.failed) {
        const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)));
        this.post({ type: 'close' });
        await Promise.race([exited, timedOut]);
        clearTimeout(timer);
      }
      await this.worker.terminate();
      this.rejectPending(new ParleyError('session_ended', 'the transducer engine is closed'));
    })();
    return this.closing;
  }

  private post(request: TransducerWorkerRequest): void {
    if (!this.failed && !this.closing) this.worker.postMessage(request);
  }

  private onReply(reply: TransducerWorkerReply): void {
    if (reply.type !== 'result' && reply.type !== 'error') return;
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (reply.type === 'result') pending.resolve(reply.outputs);
    else pending.reject(new ParleyError('engine_failure', `transducer inference failed: ${reply.message}`));
  }

  private fail(detail: string): void {
    if (this.failed || this.closing) return;
    this.failed = true;
    this.rejectPending(new ParleyError('engine_failure', 'the transducer worker failed'));
    this.onFailure(detail);
  }

  private rejectPending(error: ParleyError): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
