import { ParleyError } from '../../proto/errors.js';
import type { VadModelInput, VadModelOutput } from './silero-vad-model.js';

/** What the batcher drives: `SileroVadModel`, or anything that runs the same batches elsewhere. */
export interface VadBatchRunner {
  runBatch(items: readonly VadModelInput[]): Promise<VadModelOutput[]>;
}

export interface VadBatcherOptions {
  /** Most items in one model run. Default 32. */
  maxBatch?: number;
  /**
   * How long the oldest queued item may wait for company. Default 0: flush on the next
   * macrotask, so everything enqueued in the same tick shares a batch. A full batch never waits.
   */
  maxWaitMs?: number;
  /** Runs each batch; the server passes its scheduler, so VAD work is ranked with all other model work. */
  runThrough?: <T>(run: () => Promise<T>) => Promise<T>;
}

export interface VadBatcherStats {
  batches: number;
  items: number;
  largestBatch: number;
}

interface Pending {
  item: VadModelInput;
  isCancelled: (() => boolean) | undefined;
  resolve(output: VadModelOutput): void;
  reject(err: unknown): void;
}

function engineError(err: unknown): ParleyError {
  if (err instanceof ParleyError) return err;
  return new ParleyError('engine_failure', `VAD batch failed: ${err instanceof Error ? err.message : err}`);
}

/** Gathers single-chunk requests from many streams into batched runs, one run at a time. */
export class VadBatcher {
  private readonly maxBatch: number;
  private readonly maxWaitMs: number;
  private readonly queue: Pending[] = [];
  private readonly counters: VadBatcherStats = { batches: 0, items: 0, largestBatch: 0 };
  private timeout: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  /** The queue's wait ran out while a batch was running: flush as soon as it ends. */
  private due = false;
  private running: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private readonly runThrough: VadBatcherOptions['runThrough'];

  constructor(
    private readonly runner: VadBatchRunner,
    options: VadBatcherOptions = {},
  ) {
    this.runThrough = options.runThrough;
    this.maxBatch = options.maxBatch ?? 32;
    this.maxWaitMs = options.maxWaitMs ?? 0;
    if (!Number.isInteger(this.maxBatch) || this.maxBatch < 1) {
      throw new ParleyError('bad_config', `maxBatch must be a positive integer, got ${this.maxBatch}`);
    }
    if (!Number.isFinite(this.maxWaitMs) || this.maxWaitMs < 0) {
      throw new ParleyError('bad_config', `maxWaitMs must be >= 0, got ${this.maxWaitMs}`);
    }
  }

  get stats(): Readonly<VadBatcherStats> {
    return { ...this.counters };
  }

  /**
   * Queues one chunk; resolves with its result once its batch has run. `isCancelled` is
   * asked right before the model runs: a chunk whose stream closed meanwhile is dropped,
   * never sent to the model, and rejects with `session_ended`.
   */
  run(item: VadModelInput, isCancelled?: () => boolean): Promise<VadModelOutput> {
    if (this.closing) {
      return Promise.reject(new ParleyError('session_ended', 'VAD batcher is closed'));
    }
    return new Promise<VadModelOutput>((resolve, reject) => {
      this.queue.push({ item, isCancelled, resolve, reject });
      if (!this.running && this.queue.length >= this.maxBatch) this.flush();
      else this.armTimer();
    });
  }

  private armTimer(): void {
    if (this.timeout || this.immediate || this.due) return;
    const expire = (): void => {
      this.timeout = undefined;
      this.immediate = undefined;
      if (this.running) this.due = true;
      else this.flush();
    };
    if (this.maxWaitMs === 0) this.immediate = setImmediate(expire);
    else this.timeout = setTimeout(expire, this.maxWaitMs);
  }

  private clearTimer(): void {
    clearTimeout(this.timeout);
    clearImmediate(this.immediate);
    this.timeout = undefined;
    this.immediate = undefined;
    this.due = false;
  }

  private flush(): void {
    this.clearTimer();
    const batch = this.queue.splice(0, this.maxBatch);
    if (batch.length === 0) return;
    this.running = this.execute(batch);
  }

  private async execute(batch: Pending[]): Promise<void> {
    // Until the run starts, a rejection (the scheduler dropped it) is for the whole batch.
    let sent = batch;
    const run = (): Promise<VadModelOutput[]> => {
      // Checked at the last moment: the batch may have waited in the scheduler too.
      sent = this.dropCancelled(batch);
      if (sent.length === 0) return Promise.resolve([]);
      this.counters.batches += 1;
      this.counters.items += sent.length;
      this.counters.largestBatch = Math.max(this.counters.largestBatch, sent.length);
      return this.runner.runBatch(sent.map((p) => p.item));
    };
    try {
      const outputs = await (this.runThrough ? this.runThrough(run) : run());
      if (outputs.length !== sent.length) {
        throw new ParleyError('engine_failure', `VAD batch of ${sent.length} returned ${outputs.length} results`);
      }
      sent.forEach((p, i) => p.resolve(outputs[i]));
    } catch (err) {
      const error = engineError(err);
      for (const p of sent) p.reject(error);
    }
    this.running = undefined;
    this.afterRun();
  }

  /** Rejects the chunks of streams that closed while they were queued; returns the others. */
  private dropCancelled(batch: Pending[]): Pending[] {
    const live: Pending[] = [];
    for (const p of batch) {
      if (p.isCancelled?.()) p.reject(new ParleyError('session_ended', 'VAD stream closed'));
      else live.push(p);
    }
    return live;
  }

  private afterRun(): void {
    if (this.closing || this.queue.length === 0) return;
    if (this.due || this.queue.length >= this.maxBatch) this.flush();
    else this.armTimer();
  }

  /**
   * Rejects queued requests, lets the batch in flight finish (its results are delivered),
   * and resolves once no run is in progress. Idempotent.
   */
  close(): Promise<void> {
    if (!this.closing) {
      this.clearTimer();
      const error = new ParleyError('session_ended', 'VAD batcher closed');
      for (const p of this.queue.splice(0)) p.reject(error);
      this.closing = this.running ?? Promise.resolve();
    }
    return this.closing;
  }
}
