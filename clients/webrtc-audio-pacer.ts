import { encodeSamples } from '../audio/pcm-decoder.js';
import type { RtcAudioSource } from '../proto/webrtc-native.js';

const RATE = 48000;
/** libwebrtc's audio path runs in 10 ms frames. */
const FRAME_MS = 10;
const FRAME_SAMPLES = (RATE * FRAME_MS) / 1000;

/**
 * Feeds an RTCAudioSource one 10 ms frame of 48 kHz mono at a time, in real time, from a
 * queue; silence when the queue is empty, as a microphone would. Real time matters: the
 * receiver's jitter buffer stretches or drops audio that arrives faster or with gaps.
 *
 * A writer may stay `leadMs` ahead; `push` resolves once the queue is back under that lead.
 * The clock starts once `leadMs` is queued, or `leadMs` after the first audio was: a writer
 * that itself keeps real time then has that much slack before its late chunks would leave
 * gaps of silence in the audio.
 */
export class AudioPacer {
  private readonly queue: Float32Array[] = [];
  /** Samples of `queue[0]` already fed. */
  private head = 0;
  private queued = 0;
  private readonly waiters: Array<() => void> = [];
  private readonly drainWaiters: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private prebufferTimer: NodeJS.Timeout | undefined;
  private armed = false;
  private running = false;
  private startedAt = 0;
  private fed = 0;
  private stopped = false;

  constructor(
    private readonly source: RtcAudioSource,
    private readonly leadMs: number,
  ) {}

  /**
   * `performance.now()` when the first queued sample went to the track (undefined before). A
   * writer that keeps real time never lets the queue run dry, so audio it pushed `t` ms in
   * left the client at this plus `t`.
   */
  get clockStartedAt(): number | undefined {
    return this.running ? this.startedAt : undefined;
  }

  /** Lets the clock start (see the class doc); until then `push` only queues. */
  start(): void {
    this.armed = true;
    this.startWhenBuffered();
  }

  /** Queues 48 kHz mono samples; resolves once less than `leadMs` is queued ahead. */
  push(samples: Float32Array): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (samples.length > 0) {
      this.queue.push(samples);
      this.queued += samples.length;
    }
    this.startWhenBuffered();
    if (this.underLead()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Resolves once every queued sample has been fed to the track. */
  drained(): Promise<void> {
    if (this.queued === 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Stops the clock; queued audio is dropped and every waiter released. Idempotent. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.prebufferTimer);
    this.queue.length = 0;
    this.queued = 0;
    this.release(this.waiters);
    this.release(this.drainWaiters);
  }

  private startWhenBuffered(): void {
    if (!this.armed || this.running || this.stopped || this.queued === 0) return;
    if (this.underLead()) {
      this.prebufferTimer ??= setTimeout(() => this.startClock(), this.leadMs);
      return;
    }
    this.startClock();
  }

  private startClock(): void {
    if (this.running || this.stopped) return;
    clearTimeout(this.prebufferTimer);
    this.running = true;
    this.startedAt = performance.now();
    this.tick();
  }

  private tick(): void {
    if (this.stopped) return;
    // Every frame due by now: a late timer catches up instead of slowing the audio down.
    const due = Math.floor((performance.now() - this.startedAt) / FRAME_MS) + 1;
    for (; this.fed < due; this.fed++) {
      this.source.onData({ samples: this.nextFrame(), sampleRate: RATE, bitsPerSample: 16, channelCount: 1, numberOfFrames: FRAME_SAMPLES });
    }
    if (this.underLead()) this.release(this.waiters);
    if (this.queued === 0) this.release(this.drainWaiters);
    this.timer = setTimeout(() => this.tick(), this.startedAt + this.fed * FRAME_MS - performance.now());
  }

  private nextFrame(): Int16Array {
    const frame = new Float32Array(FRAME_SAMPLES);
    let filled = 0;
    while (filled < FRAME_SAMPLES && this.queue.length > 0) {
      const piece = this.queue[0]!;
      const take = Math.min(FRAME_SAMPLES - filled, piece.length - this.head);
      frame.set(piece.subarray(this.head, this.head + take), filled);
      filled += take;
      this.head += take;
      this.queued -= take;
      if (this.head === piece.length) {
        this.queue.shift();
        this.head = 0;
      }
    }
    const bytes = encodeSamples(frame, 'pcm_s16le');
    return new Int16Array(bytes.buffer, bytes.byteOffset, FRAME_SAMPLES);
  }

  private underLead(): boolean {
    return (this.queued * 1000) / RATE <= this.leadMs;
  }

  private release(waiters: Array<() => void>): void {
    for (const wake of waiters.splice(0)) wake();
  }
}
