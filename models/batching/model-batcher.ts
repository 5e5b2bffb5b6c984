import { ParleyError } from '../../proto/errors.js';
import { batchDueAt, formBatch, type QueuedRequest } from './batch-formation.js';

export interface BatchRequest<I, C extends string> {
  key: string;
  /** The scheduler's work class; its tier ranks the request. */
  workClass: C;
  deadline: number;
  input: I;
}

/** Told about every batch, for `/metrics`. */
export interface ModelBatchObserver {
  batch(model: string, size: number, queueWaitsMs: readonly number[], serviceMs: number): void;
}

export interface ModelBatchStats {
  batches: number;
  items: number;
  largestBatch: number;
}

export interface ModelBatcherOptions<I, O, C extends string> {
  /** The model's name in metrics and errors. */
  model: string;
  maxBatch: number;
  /**
   * Longest a request waits for batch-mates (never past its deadline's slack). 0: requests
   * submitted in the same tick still share a batch, which starts on the next macrotask.
   */
  maxWaitMs: number;
  /** Lower tiers run first (the scheduler's WORK_TIER). */
  tierOf(workClass: C): number;
  /** One model run over the batch's inputs, results in the same order. */
  runBatch(inputs: I[]): Promise<O[]>;
  /**
   * Runs a batch as one piece of scheduled work: the class of its most urgent request, the
   * deadline of its earliest (the server passes its scheduler). Default: at once.
   */
  runThrough?: <T>(workClass: C, deadline: number, run: () => Promise<T>) => Promise<T>;
  observer?: ModelBatchObserver;
}

interface Pending<I, O, C> extends QueuedRequest {
  workClass: C;
  input: I;
  /** Its key was cancelled after the batch was formed: dropped when the batch starts. */
  cancelled: boolean;
  resolve(output: O): void;
  reject(error: unknown): void;
}

/** Smoothing of the expected batch service time. */
const SERVICE_SMOOTHING = 0.2;

function sessionEnded(): ParleyError {
  return new ParleyError('session_ended', 'the session ended before this work ran');
}

/**
 * Forms batches for one model from the requests of many streams (design.md section 5) and
 * runs them one at a time: the model lives on one thread. A request waits for batch-mates
 * no longer than `maxWaitMs` and the slack before the earliest deadline; each key's requests
 * run in order, never two in one batch; a cancelled key's requests are dropped, never run,
 * even when their batch was formed and waits for the scheduler.
 */
export class ModelBatcher<I, O, C extends string> {
  private queue: Array<Pending<I, O, C>> = [];
  /** Formed and not yet started (the scheduler may hold it). */
  private formed: Array<Pending<I, O, C>> = [];
  private seq = 0;
  private running: Promise<void> | null = null;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private expectedServiceMs = 0;
  private readonly counters: ModelBatchStats = { batches: 0, items: 0, largestBatch: 0 };

  constructor(private readonly options: ModelBatcherOptions<I, O, C>) {
    if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) {
      throw new ParleyError('bad_config', `${options.model}: maxBatch must be a positive integer, got ${options.maxBatch}`);
    }
    if (!(options.maxWaitMs >= 0) || !Number.isFinite(options.maxWaitMs)) {
      throw new ParleyError('bad_config', `${options.model}: maxWaitMs must be >= 0, got ${options.maxWaitMs}`);
    }
  }

  /** Requests waiting for a batch. */
  get waiting(): number {
    return this.queue.length;
  }

  get stats(): Readonly<ModelBatchStats> {
    return { ...this.counters };
  }

  submit(request: BatchRequest<I, C>): Promise<O> {
    if (this.closed) return Promise.reject(new ParleyError('session_ended', `${this.options.model} is closed`));
    return new Promise<O>((resolve, reject) => {
      const tier = this.options.tierOf(request.workClass);
      this.queue.push({ ...request, tier, enqueuedAt: performance.now(), seq: this.seq++, cancelled: false, resolve, reject });
      this.schedule();
    });
  }

  /** Drops a key's requests that have not started (its stream closed); a running batch finishes. */
  cancel(key: string): void {
    for (const p of this.formed) if (p.key === key) p.cancelled = true;
    const dropped = this.queue.filter((p) => p.key === key);
    if (dropped.length === 0) return;
    this.queue = this.queue.filter((p) => p.key !== key);
    for (const p of dropped) p.reject(sessionEnded());
    this.schedule();
  }

  /** Rejects everything waiting and resolves once no batch runs. Idempotent. */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.clearTimers();
      for (const p of this.queue.splice(0)) p.reject(new ParleyError('session_ended', `${this.options.model} is closed`));
    }
    return this.running ?? Promise.resolve();
  }

  private clearTimers(): void {
    clearTimeout(this.timer);
    clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private schedule(): void {
    this.clearTimers();
    if (this.running || this.closed || this.queue.length === 0) return;
    const full = formBatch(this.queue, this.options.maxBatch).length >= this.options.maxBatch;
    const wait = full ? 0 : batchDueAt(this.queue, this.options.maxWaitMs, this.expectedServiceMs) - performance.now();
    // Due: on the next macrotask, so that requests of this same tick join the batch.
    if (wait <= 0) this.immediate = setImmediate(() => this.start());
    else this.timer = setTimeout(() => this.schedule(), wait);
  }

  private start(): void {
    this.immediate = undefined;
    if (this.running || this.closed || this.queue.length === 0) return;
    this.running = this.runNext().finally(() => {
      this.running = null;
      this.schedule();
    });
  }

  private async runNext(): Promise<void> {
    const formed = formBatch(this.queue, this.options.maxBatch);
    const chosen = new Set(formed);
    this.queue = this.queue.filter((p) => !chosen.has(p));
    this.formed = formed;
    const { tierOf, runThrough } = this.options;
    const workClass = formed.reduce((best, p) => (tierOf(p.workClass) < tierOf(best) ? p.workClass : best), formed[0]!.workClass);
    const deadline = Math.min(...formed.map((p) => p.deadline));
    // Until the run starts, a rejection (the scheduler dropped it) is for the whole batch.
    let batch = formed;
    let startedAt: number | null = null;
    const run = (): Promise<O[]> => {
      // Checked at the last moment: the batch may have waited in the scheduler.
      startedAt = performance.now();
      batch = formed.filter((p) => !p.cancelled);
      for (const p of formed) if (p.cancelled) p.reject(sessionEnded());
      this.formed = [];
      if (batch.length === 0) return Promise.resolve([]);
      this.counters.batches += 1;
      this.counters.items += batch.length;
      this.counters.largestBatch = Math.max(this.counters.largestBatch, batch.length);
      return this.options.runBatch(batch.map((p) => p.input));
    };
    try {
      const outputs = await (runThrough ? runThrough(workClass, deadline, run) : run());
      if (outputs.length !== batch.length) throw new ParleyError('engine_failure', `${this.options.model}: a batch of ${batch.length} returned ${outputs.length} results`);
      batch.forEach((p, i) => p.resolve(outputs[i]!));
    } catch (error) {
      const failure = error instanceof ParleyError ? error : new ParleyError('engine_failure', `${this.options.model} batch failed: ${error instanceof Error ? error.message : String(error)}`);
      for (const p of batch) p.reject(failure);
    }
    this.formed = [];
    if (startedAt === null || batch.length === 0) return;
    const began = startedAt;
    const serviceMs = performance.now() - began;
    this.expectedServiceMs += SERVICE_SMOOTHING * (serviceMs - this.expectedServiceMs);
    this.options.observer?.batch(this.options.model, batch.length, batch.map((p) => began - p.enqueuedAt), serviceMs);
  }
}
