import type { AsrHypothesis } from './asr-engine.js';

/**
 * The batch-shaped side of a recognizer (design.md section 6), which every engine implements:
 * feeding audio is cheap and synchronous, the model says which streams have work ready, one
 * decode step runs over a batch of streams, results are read per stream. Stream state lives
 * where the model runs, addressed by id. Who forms the batches is the caller's business (the
 * scheduler's batcher for a model that batches, the stream's own scheduler job for a batch of one).
 */
export interface StreamingAsrModel {
  readonly name: string;
  /** Most streams one `decode` takes: 1 for a model whose decoders run each stream alone. */
  readonly maxBatch: number;
  /** Zeros to feed after an utterance's audio so its last frames reach a decode step. */
  readonly tailPaddingSamples: number;
  /**
   * A new stream's id. May wait for a decoder (bounded engines); aborting `signal` gives up the
   * wait with `session_ended`, holding nothing.
   */
  openStream(options?: { signal?: AbortSignal }): Promise<number>;
  /** 16 kHz mono samples in [-1, 1] of the current utterance. Copies or consumes them at once. */
  acceptWaveform(id: number, samples: Float32Array): void;
  /** The utterance's audio is complete: its end (a best-quality pass, the last frames) becomes decodable. */
  inputFinished(id: number): void;
  /** False once the stream (or the whole model) was closed. */
  isOpen(id: number): boolean;
  /** Whether a `decode` step would make progress on the stream now. */
  isReady(id: number): boolean;
  /** One step over streams that are all ready, at most `maxBatch` of them. */
  decode(ids: readonly number[]): Promise<void>;
  /** The utterance's hypothesis so far (its final one once the input finished and was decoded). */
  result(id: number): AsrHypothesis;
  /** Starts a new utterance on the stream; word times of later results count from here. */
  reset(id: number): void;
  /** Releases the stream's state (a decoder back to its pool). Idempotent. */
  closeStream(id: number): void;
  /** Releases every stream and native handle. Idempotent. */
  close(): Promise<void>;
}
