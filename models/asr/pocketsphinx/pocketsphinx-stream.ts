import { ParleyError } from '../../../proto/errors.js';
import type { AsrHypothesis, AsrStream } from '../asr-engine.js';
import type { NativeDecoder, NativeHypothesis } from './native-binding.js';
import { engineFailure } from './pocketsphinx-errors.js';

/** One decoder's utterances; calls are queued so they never overlap on the decoder. */
export class PocketSphinxStream implements AsrStream {
  readonly #decoder: NativeDecoder;
  /**
   * Receives a promise that resolves, once the call in flight (if any) is done, with whether
   * the decoder may be reused. An utterance may still be open: the owner ends it.
   */
  readonly #onClose: (settled: Promise<boolean>) => void;
  /** Settles after the last queued call; never rejects. */
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** False after a native failure: the decoder is freed instead of reused. */
  #healthy = true;
  #utteranceSamples = 0;

  constructor(decoder: NativeDecoder, onClose: (settled: Promise<boolean>) => void) {
    this.#decoder = decoder;
    this.#onClose = onClose;
  }

  /** Starts a new utterance; one still open is ended and its result dropped. */
  startUtterance(): Promise<void> {
    return this.#enqueue(async (decoder) => {
      if (decoder.inUtterance) await decoder.endUttAsync();
      this.#start(decoder);
    });
  }

  /** Starts an utterance first if none is open. `samples` is copied at once: the caller may reuse it while the call is queued. */
  accept(samples: Int16Array): Promise<AsrHypothesis> {
    if (!(samples instanceof Int16Array)) {
      return Promise.reject(new ParleyError('bad_audio', 'PocketSphinx accepts 16 kHz mono Int16Array samples'));
    }
    const copy = samples.slice();
    return this.#enqueue(async (decoder) => {
      if (!decoder.inUtterance) this.#start(decoder);
      this.#utteranceSamples += copy.length;
      return this.#toHypothesis(await decoder.processAsync(copy));
    });
  }

  /** Resolves with an empty hypothesis when no utterance is open. */
  endUtterance(): Promise<AsrHypothesis> {
    return this.#enqueue(async (decoder) => {
      if (!decoder.inUtterance) return { text: '', words: [] };
      return this.#toHypothesis(await decoder.endUttAsync());
    });
  }

  /** Queued calls reject; the decoder goes back to its owner after the call in flight, if any. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose(this.#tail.then(() => this.#healthy));
  }

  #start(decoder: NativeDecoder): void {
    decoder.startUtt();
    this.#utteranceSamples = 0;
  }

  #enqueue<T>(call: (decoder: NativeDecoder) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.#closed) throw new ParleyError('internal', 'PocketSphinx stream is closed');
      try {
        return await call(this.#decoder);
      } catch (err) {
        this.#healthy = false;
        throw engineFailure(err);
      }
    };
    const result = this.#tail.then(run);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  #toHypothesis(hypothesis: NativeHypothesis): AsrHypothesis {
    const msPerFrame = 1000 / this.#decoder.frameRate;
    // The last frame may be padded past the audio received; times never exceed it.
    const audioMs = Math.round((this.#utteranceSamples * 1000) / this.#decoder.sampleRate);
    return {
      text: hypothesis.text,
      words: hypothesis.words.map((w) => ({
        word: w.word,
        startMs: Math.min(Math.round(w.startFrame * msPerFrame), audioMs),
        endMs: Math.min(Math.round((w.endFrame + 1) * msPerFrame), audioMs),
      })),
    };
  }
}
