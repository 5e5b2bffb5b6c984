import type { NativeDecoder } from './native-binding.js';
import { engineClosed, engineFailure, waitAborted } from './pocketsphinx-errors.js';

/** Model work the pool starts besides decoding: the server's scheduler ranks it with the rest. */
export type EngineWork = 'create_decoder' | 'drain_stream';

/**
 * Starts `run` when the scheduler decides. Either it calls `run` once and settles as the
 * promise `run` returns, or it never calls `run` and rejects (the work was dropped).
 */
export type RunThrough = <T>(work: EngineWork, run: () => Promise<T>) => Promise<T>;

export interface DecoderPoolOptions {
  /** Loads one decoder on the threadpool. */
  create: () => Promise<NativeDecoder>;
  /** Decoders alive at once: idle, in use, being drained or being created. */
  maxDecoders: number;
  /** Decoders kept loaded while no stream uses them. */
  maxIdleDecoders: number;
  /**
   * Idle decoders beyond the prewarmed ones are freed after this long unused, so the memory
   * of a burst (tens of MB per decoder) goes back once it is over. 0: kept.
   */
  idleTtlMs?: number;
  runThrough?: RunThrough;
}

interface Waiter {
  take(decoder: NativeDecoder): void;
  fail(error: unknown): void;
}

/**
 * A bounded set of decoders shared by streams. A request takes an idle decoder, else a new
 * one while under the cap, else waits (first come, first served) for one to come back.
 * Decoders are not created for a particular request: one that arrives after its requester
 * gave up serves the next waiter or stays idle, so clients that come and go cost no more
 * creations than the cap.
 */
export class DecoderPool {
  readonly #options: DecoderPoolOptions;
  /** Every decoder that exists and has not been freed, whoever holds it. */
  readonly #owned = new Set<NativeDecoder>();
  readonly #idle: NativeDecoder[] = [];
  readonly #waiters: Waiter[] = [];
  /** Creations asked for (queued in the scheduler or loading) and not yet settled. */
  #creating = 0;
  /** Native calls under way that `close()` waits for; they never reject. */
  readonly #pending = new Set<Promise<void>>();
  #trimTimer: NodeJS.Timeout | undefined;
  /** Idle decoders never freed for being unused: as many as `prewarm` asked for. */
  #keepIdle = 0;
  #closed = false;

  constructor(options: DecoderPoolOptions) {
    this.#options = options;
  }

  /** Decoders alive or being created; never above `maxDecoders`. */
  get live(): number {
    return this.#owned.size + this.#creating;
  }

  get idle(): number {
    return this.#idle.length;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /** A decoder for one stream: give it back with `reclaim` or `giveBack`. Aborting `signal` gives up the wait. */
  acquire(signal?: AbortSignal): Promise<NativeDecoder> {
    if (this.#closed) return Promise.reject(engineClosed());
    if (signal?.aborted) return Promise.reject(waitAborted());
    // Idle decoders exist only while nobody waits: giveBack serves waiters first.
    const idle = this.#idle.pop();
    if (idle) return Promise.resolve(idle);
    return new Promise<NativeDecoder>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(waitAborted());
      };
      const waiter: Waiter = {
        take: (decoder) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(decoder);
        },
        fail: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
      this.#grow();
    });
  }

  /** Takes back a decoder with no open utterance and no call in flight. */
  giveBack(decoder: NativeDecoder): void {
    if (!this.#owned.has(decoder)) return; // freed by close()
    const waiter = this.#waiters.shift();
    if (waiter) waiter.take(decoder);
    else if (this.#idle.length < this.#options.maxIdleDecoders) this.#idle.push(decoder);
    else this.#free(decoder);
    this.#armTrim();
  }

  /** Every return to the idle set restarts the wait: only a pool unused for `idleTtlMs` shrinks. */
  #armTrim(): void {
    const { idleTtlMs = 0 } = this.#options;
    clearTimeout(this.#trimTimer);
    if (idleTtlMs === 0 || this.#idle.length <= this.#keepIdle) return;
    this.#trimTimer = setTimeout(() => {
      // `#idle` is taken from its end: the front has waited longest.
      while (this.#idle.length > this.#keepIdle) this.#free(this.#idle.shift()!);
    }, idleTtlMs);
    this.#trimTimer.unref();
  }

  /**
   * Takes back a stream's decoder once `settled` resolves (with whether it is still fit for
   * use): an utterance left open is ended first, through the scheduler, then the decoder is
   * reset and reused; a decoder that failed, or whose drain failed, is freed.
   */
  reclaim(decoder: NativeDecoder, settled: Promise<boolean>): void {
    void this.#track(settled).then((healthy) => this.#drain(decoder, healthy));
  }

  /** Creates decoders until `count` are idle, as far as the cap allows. */
  async prewarm(count: number): Promise<void> {
    if (this.#closed) throw engineClosed();
    this.#keepIdle = Math.max(this.#keepIdle, count);
    const missing = Math.min(count - this.#idle.length, this.#options.maxDecoders - this.live);
    const created = await Promise.allSettled(
      Array.from({ length: Math.max(0, missing) }, () =>
        this.#create().then(
          (decoder) => this.giveBack(decoder),
          (error: unknown) => {
            // A request may have counted on this creation instead of starting its own.
            this.#grow();
            throw error;
          },
        ),
      ),
    );
    const failure = created.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
  }

  /**
   * Rejects waiting requests, frees every decoder (one in a call is freed when the call
   * ends) and resolves once no native call is left. Work still queued in the scheduler is
   * not waited for: when it runs, it finds the pool closed and does nothing. Idempotent.
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      clearTimeout(this.#trimTimer);
      for (const waiter of this.#waiters.splice(0)) waiter.fail(engineClosed());
      this.#idle.length = 0;
      for (const decoder of this.#owned) decoder.release();
      this.#owned.clear();
    }
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  /** Starts creations for waiters no creation is on its way for, as far as the cap allows. */
  #grow(): void {
    while (!this.#closed && this.#waiters.length > this.#creating && this.live < this.#options.maxDecoders) {
      this.#create().then(
        (decoder) => this.giveBack(decoder),
        (error: unknown) => {
          this.#waiters.shift()?.fail(error);
          this.#grow();
        },
      );
    }
  }

  /** Loads one decoder through the scheduler; it counts toward the cap from now on. */
  async #create(): Promise<NativeDecoder> {
    this.#creating += 1;
    try {
      return await this.#through('create_decoder', () => {
        if (this.#closed) return Promise.reject(engineClosed());
        return this.#track(this.#options.create().then((decoder) => this.#adopt(decoder)));
      });
    } catch (error) {
      throw engineFailure(error);
    } finally {
      this.#creating -= 1;
    }
  }

  /**
   * Owns a decoder as soon as it is loaded, before the scheduler reports back, so that
   * `close()` can free it by the time the creation's native call has ended.
   */
  #adopt(decoder: NativeDecoder): NativeDecoder {
    if (this.#closed) decoder.release();
    else this.#owned.add(decoder);
    return decoder;
  }

  async #drain(decoder: NativeDecoder, healthy: boolean): Promise<void> {
    if (!healthy) return this.#free(decoder);
    if (decoder.inUtterance) {
      try {
        await this.#through('drain_stream', () => {
          if (this.#closed) return Promise.reject(engineClosed());
          return this.#track(decoder.endUttAsync());
        });
      } catch {
        return this.#free(decoder);
      }
    }
    if (!this.#owned.has(decoder)) return; // freed by close()
    decoder.reset(); // live CMN adapted to the last speaker: decode like a fresh decoder
    this.giveBack(decoder);
  }

  #free(decoder: NativeDecoder): void {
    if (!this.#owned.delete(decoder)) return;
    decoder.release();
    this.#grow();
  }

  async #through<T>(work: EngineWork, run: () => Promise<T>): Promise<T> {
    const { runThrough } = this.#options;
    return runThrough ? runThrough(work, run) : run();
  }

  /** Lets `close()` wait for `work`; returns it unchanged. */
  #track<T>(work: Promise<T>): Promise<T> {
    const settled: Promise<void> = work.then(noop, noop).finally(() => this.#pending.delete(settled));
    this.#pending.add(settled);
    return work;
  }
}

function noop(): void {}
