import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PitchFrame } from '../../audio/pitch-tracker.js';
import { ParleyError } from '../../proto/errors.js';
import { projectRoot } from '../../proto/project-root.js';
import { stopWorker, WorkerRestarter, type WorkerRestartOptions } from '../worker-restart.js';
import type { PitchTrackReply, PitchTrackRequest } from './pitch-track-worker-protocol.js';
import { INLINE_PITCH_TRACKING, type PitchTracking } from './pitch-tracking.js';

/** The compiled worker entry; from source (vitest) too, since a worker cannot load TypeScript. */
const WORKER_ENTRY = 'dist/models/turn/pitch-track-worker-main.js';
/** How long `close()` lets the worker finish its track and exit before terminating it. */
const CLOSE_TIMEOUT_MS = 2000;

interface Pending {
  samples: Float32Array;
  resolve(frames: readonly PitchFrame[]): void;
  reject(error: unknown): void;
}

/**
 * Every channel's pause pitch tracks, on one worker thread off the event loop (a few ms each).
 * Turn-taking must not stop with it: while no worker serves (one died and its replacement is
 * starting, or after `close()`), and for the tracks a dying worker owed, the track is
 * computed on the caller's thread instead. A worker that dies is restarted after a backoff.
 */
export class PitchTrackWorker implements PitchTracking {
  private readonly pending = new Map<number, Pending>();
  private readonly restarter: WorkerRestarter;
  private nextId = 0;
  private current: Worker | undefined;
  private serving = false;
  /** False until the first worker serves: a failure before that fails `start()` instead of restarting. */
  private started = false;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly entry: string,
    restart: WorkerRestartOptions,
  ) {
    this.restarter = new WorkerRestarter('pitch-tracking worker', restart, () => this.launch());
  }

  /** Starts the worker and waits until it serves. */
  static async start(restart: WorkerRestartOptions = {}): Promise<PitchTrackWorker> {
    const entry = join(projectRoot(), WORKER_ENTRY);
    if (!existsSync(entry)) throw new ParleyError('engine_failure', `pitch-tracking worker missing at ${entry}: run "npm run build:ts"`);
    const tracker = new PitchTrackWorker(entry, restart);
    await tracker.launch();
    tracker.started = true;
    return tracker;
  }

  /** A worker serves (else tracks run on the caller's thread). */
  get healthy(): boolean {
    return this.serving && !this.closing;
  }

  /** The worker thread now running, if any. For supervision tests, which make it die. */
  get thread(): Worker | undefined {
    return this.current;
  }

  track(samples: Float32Array): Promise<readonly PitchFrame[]> {
    if (!this.healthy) return INLINE_PITCH_TRACKING.track(samples);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      // Copied, not moved: the samples stay here in case the worker dies before it answers.
      this.pending.set(id, { samples, resolve, reject });
      this.current!.postMessage({ type: 'track', id, samples } satisfies PitchTrackRequest);
    });
  }

  /** Lets the track in progress finish, then stops the thread; idempotent. Later tracks run inline. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.restarter.cancel();
    if (this.current) await stopWorker(this.current, { type: 'close' } satisfies PitchTrackRequest, CLOSE_TIMEOUT_MS);
    this.current = undefined;
    this.trackOwedInline();
  }

  /** Starts a worker; resolves once it serves, rejects if it dies first (then `lose` has scheduled the next try). */
  private launch(): Promise<void> {
    const worker = new Worker(this.entry);
    this.current = worker;
    return new Promise<void>((resolve, reject) => {
      const fail = (detail: string): void => {
        reject(new ParleyError('engine_failure', `pitch-tracking worker failed: ${detail}`));
        this.lose(worker, detail);
      };
      worker.on('message', (reply: PitchTrackReply) => {
        if (worker !== this.current) return;
        if (reply.type === 'ready') {
          this.serving = true;
          resolve();
        } else {
          this.onReply(reply);
        }
      });
      worker.on('error', (error) => fail(`worker error: ${error.message}`));
      worker.on('exit', (code) => fail(`worker exited with code ${code}`));
    });
  }

  /** `worker` died: what it owed is tracked inline, and a new one starts after the backoff. */
  private lose(worker: Worker, detail: string): void {
    if (worker !== this.current || this.closing) return;
    this.current = undefined;
    this.serving = false;
    void worker.terminate();
    this.trackOwedInline();
    // A failed restart comes here too: it reports and schedules the next try.
    if (this.started) this.restarter.failed(detail);
  }

  private onReply(reply: Extract<PitchTrackReply, { type: 'result' | 'error' }>): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (reply.type === 'result') {
      this.restarter.worked();
      pending.resolve(reply.frames);
    } else {
      pending.reject(new ParleyError('engine_failure', `pitch tracking failed: ${reply.message}`));
    }
  }

  private trackOwedInline(): void {
    for (const { samples, resolve, reject } of this.pending.values()) INLINE_PITCH_TRACKING.track(samples).then(resolve, reject);
    this.pending.clear();
  }
}
