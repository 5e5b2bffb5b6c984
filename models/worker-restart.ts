import type { Worker } from 'node:worker_threads';
import { ParleyError } from '../proto/errors.js';

/** A change in whether a model's worker thread serves; `detail` is internal text, for the log only. */
export interface WorkerStatus {
  kind: 'failed' | 'restarted';
  detail: string;
}

/** How a model whose worker thread died starts a new one. */
export interface WorkerRestartOptions {
  /** Wait before restarting a worker that died; doubles while restarts keep failing. Default 100 ms. */
  restartDelayMs?: number;
  /** Longest wait between restarts. Default 5000 ms. */
  maxRestartDelayMs?: number;
  /** Told when the worker dies (or a restart fails) and when a restarted worker serves again. Must not throw. */
  onStatus?: (status: WorkerStatus) => void;
}

/**
 * Waits between restarts of something that keeps failing: `initialMs`, then doubling up
 * to `maxMs`; back to `initialMs` once it works again. A crash loop then costs a few
 * restarts a second at first and one every `maxMs` after, never a busy loop.
 */
export class RestartBackoff {
  private nextMs: number;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {
    if (!Number.isFinite(initialMs) || initialMs <= 0) {
      throw new ParleyError('bad_config', `restartDelayMs must be > 0, got ${initialMs}`);
    }
    if (!Number.isFinite(maxMs) || maxMs < initialMs) {
      throw new ParleyError('bad_config', `maxRestartDelayMs must be >= restartDelayMs (${initialMs}), got ${maxMs}`);
    }
    this.nextMs = initialMs;
  }

  static from(options: WorkerRestartOptions): RestartBackoff {
    return new RestartBackoff(options.restartDelayMs ?? 100, options.maxRestartDelayMs ?? 5000);
  }

  /** The wait before the next restart; each call doubles the one after. */
  next(): number {
    const delay = this.nextMs;
    this.nextMs = Math.min(delay * 2, this.maxMs);
    return delay;
  }

  /** It works again: the next failure restarts after `initialMs`. */
  reset(): void {
    this.nextMs = this.initialMs;
  }
}

/**
 * Restarts a model's worker thread that died: reports the failure, waits the backoff, calls
 * `launch`, and reports the restart once it resolves. A launch that fails must report its own
 * failure (`failed` again, which schedules the next try): its rejection is ignored here.
 */
export class WorkerRestarter {
  private readonly backoff: RestartBackoff;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** Who serves again, for the `restarted` status: "VAD worker". */
    private readonly name: string,
    private readonly options: WorkerRestartOptions,
    private readonly launch: () => Promise<unknown>,
  ) {
    this.backoff = RestartBackoff.from(options);
  }

  /** The worker died, or a restart failed: report it and try again after the backoff. */
  failed(detail: string): void {
    const delayMs = this.backoff.next();
    this.options.onStatus?.({ kind: 'failed', detail: `${detail}; restarting in ${delayMs} ms` });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      let launched: Promise<unknown>;
      try {
        launched = this.launch();
      } catch (error) {
        // A thread that cannot even be created (no memory, say) is one more failed try.
        this.failed(error instanceof Error ? error.message : String(error));
        return;
      }
      launched.then(
        () => this.options.onStatus?.({ kind: 'restarted', detail: `${this.name} serves again` }),
        () => undefined,
      );
    }, delayMs);
  }

  /** A worker answered: the next failure restarts quickly again. */
  worked(): void {
    this.backoff.reset();
  }

  /** No restart after this (closing). */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * Asks a worker thread to finish and exit (`closeRequest`), and terminates it if it has not
 * exited within `timeoutMs`.
 */
export async function stopWorker(worker: Worker, closeRequest: unknown, timeoutMs: number): Promise<void> {
  let deadline: NodeJS.Timeout | undefined;
  const exited = new Promise<boolean>((resolve) => worker.once('exit', () => resolve(true)));
  const timedOut = new Promise<boolean>((resolve) => (deadline = setTimeout(() => resolve(false), timeoutMs)));
  worker.postMessage(closeRequest);
  const exitedInTime = await Promise.race([exited, timedOut]);
  clearTimeout(deadline);
  if (!exitedInTime) await worker.terminate();
}
