/** One recognized word; times are milliseconds from the start of the utterance. */
export interface AsrWord {
  word: string;
  startMs: number;
  endMs: number;
}

export interface AsrHypothesis {
  /** Words joined by single spaces; filler and silence tokens removed. */
  text: string;
  words: AsrWord[];
}

/**
 * How urgent a call is: the scheduler's work class and absolute deadline (on
 * `performance.now()`). An engine whose steps are batched across sessions ranks its
 * batches by them; an engine that decodes each stream alone may ignore them.
 */
export interface AsrUrgency {
  workClass: 'partial' | 'final';
  deadline: number;
}

/**
 * One utterance-at-a-time recognizer for one audio channel (16 kHz mono), as the pipeline
 * drives it; engines implement the batch-shaped `StreamingAsrModel` and `StreamingAsrEngine`
 * puts this interface on top.
 * Calls must not overlap: the caller awaits each before the next.
 */
export interface AsrStream {
  /**
   * True when the stream hands its work to the scheduler itself (batched with other
   * streams'): callers then call it directly, with each call's urgency, and take no
   * scheduler slot while it waits for its batch.
   */
  readonly selfScheduled?: boolean;
  /** Starts a new utterance. Word times of later hypotheses count from here. */
  startUtterance(urgency?: AsrUrgency): Promise<void>;
  /** Decodes more audio (16 kHz mono, [-1, 1]) of the current utterance; resolves with the first-pass hypothesis so far. */
  accept(samples: Float32Array, urgency?: AsrUrgency): Promise<AsrHypothesis>;
  /** Ends the utterance and runs the engine's best-quality pass over it. */
  endUtterance(urgency?: AsrUrgency): Promise<AsrHypothesis>;
  /** Releases the native decoder (back to the engine's pool). Idempotent. */
  close(): void;
}

/** An ASR engine; all engines (PocketSphinx, ONNX transducers) sit behind this. */
export interface AsrEngine {
  readonly name: string;
  /**
   * Opens a stream; may wait for a free decoder (the engine bounds how many exist) or for one
   * to be created off the main thread. Aborting `signal` gives up the wait: the promise
   * rejects with `session_ended` and no decoder is held for it. `key` names the session
   * channel the stream serves, for engines that batch its work with other channels'.
   */
  openStream(options?: { signal?: AbortSignal; key?: string }): Promise<AsrStream>;
  /** Releases every native handle; rejects later `openStream` calls. Idempotent. */
  close(): Promise<void>;
}
