import { ParleyError } from '../../proto/errors.js';
import { batchDueAt, formBatch, type QueuedRequest } from './batch-formation.js';
import { WORK_TIER, type WorkClass } from './work-class.js';

export interface BatchRequest<I> {
  key: string;
  workClass: WorkClass;
  deadline: number;
  input: I;
}

/** Told about every batch, for `/metrics`. */
export interface ModelBatchObserver {
  batch(model: string, size: number, queueWaitsMs: readonly number[], serviceMs: number): void;
}

export interface ModelBatcherOptions<I, O> {
  /** The model's name in metrics and errors. */
  model: string;
  maxBatch: number;
  /** Longest a request waits for batch-mates (never past its deadline's slack). */
  maxWaitMs: number;
  /** One model run over the batch's inputs, results in the same order. */
  runBatch(inputs: I[]): Promise<O[]>;
  /**
   * Runs a batch as one piece of scheduled work: the class of its most urgent request, the
   * deadline of its earliest (the server passes its scheduler). Default: at once.
   */
  runThrough?: <T>(workClass: WorkClass, deadline: number, run: () => Promise<T>) => Promise<T>;
  observer?: ModelBatchObserver;
}

interface Pending<I, O> extends QueuedRequest {
  input: I;
  resolve(output: O): void;
  reject(error: unknown): void;
}

/** Smoothing of the expected batch service time. */
const SERVICE_SMOOTHING = 0.2;

/**
 * Forms batches for one model from the requests of many sessions (design.md section 5) and
 * runs them one at a time: the model lives on one thread. A request waits for batch-mates
 * no longer than `maxWaitMs` and the slack before the earliest deadline; each key's requests
 * run in order, never two in one batch; a cancelled key's requests are dropped, never run.
 */
export class ModelBatcher<I, O> {
  private queue: Array<Pending<I, O>> = [];
  private seq = 0;
  private running = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private expectedServiceMs = 0;

  constructor(private readonly options: ModelBatcherOptions<I, O>) {
    if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) {
      throw new ParleyError('bad_config', `${options.model}: maxBatch must be a positive integer, got ${options.maxBatch}`);
    }
    if (!(options.maxWaitMs >= 0)) throw new ParleyError('bad_config', `${options.model}: maxWaitMs must be >= 0, got ${options.maxWaitMs}`);
  }

  /** Requests waiting for a batch. */
  get waiting(): number {
    return this.queue.length;
  }

  submit(request: BatchRequest<I>): Promise<O> {
    if (this.closed) return Promise.reject(new ParleyError('session_ended', `${this.options.model} is closed`));
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ ...request, enqueuedAt: performance.now(), seq: this.seq++, resolve, reject });
      this.schedule();
    });
  }

  /** Drops a key's waiting requests (its session ended); a batch already running finishes. */
  cancel(key: string): void {
    const dropped = this.queue.filter((p) => p.key === key);
    if (dropped.length === 0) return;
    this.queue = this.queue.filter((p) => p.key !== key);
    for (const p of dropped) p.reject(new ParleyError('session_ended', 'the session ended before this work ran'));
    this.schedule();
  }

  /** Rejects everything waiting; a running batch finishes. Idempotent. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const p of this.queue.splice(0)) p.reject(new ParleyError('session_ended', `${this.options.model} is closed`));
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running || this.queue.length === 0) return;
    const full = formBatch(this.queue, this.options.maxBatch).length >= this.options.maxBatch;
    const wait = batchDueAt(this.queue, this.options.maxWaitMs, this.expectedServiceMs) - performance.now();
    if (full || wait <= 0) {
      void this.runNext();
      return;
    }
    this.timer = setTimeout(() => this.schedule(), wait);
  }

  private async runNext(): Promise<void> {
    const batch = formBatch(this.queue, this.options.maxBatch);
    const chosen = new Set(batch);
    this.queue = this.queue.filter((p) => !chosen.has(p));
    this.running = true;
    const startedAt = performance.now();
    const workClass = batch.reduce((best, p) => (WORK_TIER[p.workClass] < WORK_TIER[best] ? p.workClass : best), batch[0]!.workClass);
    const deadline = Math.min(...batch.map((p) => p.deadline));
    const run = () => this.options.runBatch(batch.map((p) => p.input));
    try {
      const outputs = await (this.options.runThrough ? this.options.runThrough(workClass, deadline, run) : run());
      if (outputs.length !== batch.length) throw new ParleyError('engine_failure', `${this.options.model}: a batch of ${batch.length} returned ${outputs.length} results`);
      batch.forEach((p, i) => p.resolve(outputs[i]!));
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
    const serviceMs = performance.now() - startedAt;
    this.expectedServiceMs += SERVICE_SMOOTHING * (serviceMs - this.expectedServiceMs);
    this.options.observer?.batch(this.options.model, batch.length, batch.map((p) => startedAt - p.enqueuedAt), serviceMs);
    this.running = false;
    if (!this.closed) this.schedule();
  }
}
