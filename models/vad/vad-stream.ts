import { ParleyError } from '../../proto/errors.js';
import {
  VAD_CHUNK_SAMPLES,
  VAD_CONTEXT_SAMPLES,
  VAD_SAMPLE_RATE,
  VAD_STATE_SIZE,
  type VadModelInput,
  type VadModelOutput,
} from './silero-vad-model.js';

/** Speech probability of one 32 ms chunk; times are ms of audio since the stream started. */
export interface VadChunk {
  prob: number;
  startMs: number;
  endMs: number;
}

/** Runs one stream step; the engine's model batcher runs it batched with other streams'. */
export interface VadChunkRunner {
  run(item: VadModelInput): Promise<VadModelOutput>;
}

export interface VadStreamOptions {
  /** Called once, on the first `close()`: the engine drops the stream's chunks not yet run. */
  onClose?: () => void;
}

interface CutChunk {
  input: Float32Array;
  startMs: number;
  endMs: number;
}

const CHUNK_MS = (VAD_CHUNK_SAMPLES * 1000) / VAD_SAMPLE_RATE;

/** One channel's VAD: cuts 16 kHz mono audio into chunks and scores them strictly in order. */
export class VadStream {
  private state: Float32Array = new Float32Array(VAD_STATE_SIZE);
  private readonly context = new Float32Array(VAD_CONTEXT_SAMPLES);
  private readonly leftover = new Float32Array(VAD_CHUNK_SAMPLES);
  private leftoverLength = 0;
  private chunksCut = 0;
  private samplesReceived = 0;
  /** Settles when every earlier push has been scored; never rejects. */
  private tail: Promise<void> = Promise.resolve();
  /** A failed chunk leaves the state behind the audio, so every later push fails too. */
  private failure: unknown;
  private isClosed = false;

  constructor(
    private readonly runner: VadChunkRunner,
    private readonly options: VadStreamOptions = {},
  ) {}

  get closed(): boolean {
    return this.isClosed;
  }

  /** Audio time of all samples pushed so far, scored or not. */
  get positionMs(): number {
    return (this.samplesReceived * 1000) / VAD_SAMPLE_RATE;
  }

  /**
   * Scores the complete chunks that `samples` (16 kHz mono) completes; a remainder under one
   * chunk waits for the next push. Calls may overlap: they resolve in call order.
   */
  push(samples: Float32Array): Promise<VadChunk[]> {
    if (this.isClosed) {
      return Promise.reject(new ParleyError('session_ended', 'VAD stream is closed'));
    }
    // Cutting now, not when the queue reaches this call, lets the caller reuse `samples` at once.
    const chunks = this.cut(samples);
    const scored = this.tail.then(() => this.score(chunks));
    this.tail = scored.then(
      () => undefined,
      (err: unknown) => {
        this.failure ??= err;
      },
    );
    return scored;
  }

  private cut(samples: Float32Array): CutChunk[] {
    const chunks: CutChunk[] = [];
    let offset = 0;
    while (this.leftoverLength + samples.length - offset >= VAD_CHUNK_SAMPLES) {
      const take = VAD_CHUNK_SAMPLES - this.leftoverLength;
      const input = new Float32Array(VAD_CONTEXT_SAMPLES + VAD_CHUNK_SAMPLES);
      input.set(this.context, 0);
      input.set(this.leftover.subarray(0, this.leftoverLength), VAD_CONTEXT_SAMPLES);
      input.set(samples.subarray(offset, offset + take), VAD_CONTEXT_SAMPLES + this.leftoverLength);
      this.context.set(input.subarray(input.length - VAD_CONTEXT_SAMPLES));
      offset += take;
      this.leftoverLength = 0;
      chunks.push({ input, startMs: this.chunksCut * CHUNK_MS, endMs: (this.chunksCut + 1) * CHUNK_MS });
      this.chunksCut += 1;
    }
    const rest = samples.subarray(offset);
    this.leftover.set(rest, this.leftoverLength);
    this.leftoverLength += rest.length;
    this.samplesReceived += samples.length;
    return chunks;
  }

  private async score(chunks: CutChunk[]): Promise<VadChunk[]> {
    const results: VadChunk[] = [];
    this.ensureUsable();
    for (const { input, startMs, endMs } of chunks) {
      this.ensureUsable();
      // The next chunk needs this state: it enters a batch only after this result is back.
      const { prob, state } = await this.runner.run({ input, state: this.state });
      this.state = state;
      results.push({ prob, startMs, endMs });
    }
    return results;
  }

  private ensureUsable(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.isClosed) throw new ParleyError('session_ended', 'VAD stream closed');
  }

  /** Stops scoring: queued pushes reject. Idempotent. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.options.onClose?.();
  }
}
