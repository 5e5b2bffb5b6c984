import { join } from 'node:path';

import { ParleyError } from '../../../proto/errors.js';
import type { AsrEngine, AsrHypothesis, AsrStream } from '../asr-engine.js';
import {
  loadNativeBinding,
  type NativeBinding,
  type NativeDecoder,
  type NativeDecoderOptions,
  type NativeHypothesis,
} from './native-binding.js';

export interface PocketSphinxOptions {
  /** Directory of the en-US model files. Default `/usr/share/pocketsphinx/model/en-us`. */
  modelDir?: string;
  /** Acoustic model directory. Default `<modelDir>/en-us`. */
  hmm?: string;
  /** Binary n-gram language model. Default `<modelDir>/en-us.lm.bin`. */
  lm?: string;
  /** Pronunciation dictionary. Default `<modelDir>/cmudict-en-us.dict`. */
  dict?: string;
  /**
   * Extra decoder arguments as name/value pairs, e.g. `['-bestpath', 'no']`; they
   * override the engine's defaults of the same name. `-logfn` is refused.
   */
  decoderArgs?: readonly string[];
  /** Decoders kept loaded for the next `openStream` once their stream closes. Default 4. */
  maxIdleDecoders?: number;
}

const DEFAULT_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
const DEFAULT_MAX_IDLE_DECODERS = 4;

// Parley's own VAD decides where speech is; PocketSphinx's VAD would drop silent
// frames, and word times would no longer match the audio.
const DEFAULT_DECODER_ARGS = ['-remove_silence', 'no'];

/** PocketSphinx en-US behind the common ASR interface; decoders are pooled across streams. */
export class PocketSphinxEngine implements AsrEngine {
  readonly name = 'pocketsphinx';

  readonly #native: NativeBinding;
  readonly #decoderOptions: NativeDecoderOptions;
  readonly #maxIdle: number;
  readonly #idle: NativeDecoder[] = [];
  readonly #streams = new Set<PocketSphinxStream>();
  /** Decoder creations and stream drains that `close()` waits for; they never reject. */
  readonly #pending = new Set<Promise<void>>();
  #closed = false;

  /** Creates the engine and loads one decoder (kept idle if the pool allows), so bad model paths fail here. */
  static async create(options: PocketSphinxOptions = {}): Promise<PocketSphinxEngine> {
    const engine = new PocketSphinxEngine(options);
    engine.#recycle(await engine.#createDecoder(), true);
    return engine;
  }

  constructor(options: PocketSphinxOptions = {}) {
    const maxIdle = options.maxIdleDecoders ?? DEFAULT_MAX_IDLE_DECODERS;
    if (!Number.isInteger(maxIdle) || maxIdle < 0) {
      throw new ParleyError('bad_config', `maxIdleDecoders must be a non-negative integer, got ${maxIdle}`);
    }
    const args = options.decoderArgs ?? [];
    if (args.length % 2 !== 0) {
      throw new ParleyError('bad_config', 'decoderArgs must be name/value pairs');
    }
    const modelDir = options.modelDir ?? DEFAULT_MODEL_DIR;
    this.#maxIdle = maxIdle;
    this.#decoderOptions = {
      hmm: options.hmm ?? join(modelDir, 'en-us'),
      lm: options.lm ?? join(modelDir, 'en-us.lm.bin'),
      dict: options.dict ?? join(modelDir, 'cmudict-en-us.dict'),
      args: mergeArgs(DEFAULT_DECODER_ARGS, args),
    };
    this.#native = loadNativeBinding();
  }

  /** Decoders loaded and waiting for a stream. */
  get idleDecoders(): number {
    return this.#idle.length;
  }

  /** Loads decoders on the threadpool until at least `count` are idle. */
  async prewarm(count: number): Promise<void> {
    if (!Number.isInteger(count) || count < 0 || count > this.#maxIdle) {
      throw new ParleyError('bad_config', `prewarm count must be an integer from 0 to maxIdleDecoders (${this.#maxIdle}), got ${count}`);
    }
    if (this.#closed) throw engineClosed();
    const missing = Math.max(0, count - this.#idle.length);
    const created = await Promise.allSettled(Array.from({ length: missing }, () => this.#createDecoder()));
    for (const result of created) {
      if (result.status === 'fulfilled') this.#recycle(result.value, true);
    }
    const failure = created.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
  }

  async openStream(): Promise<AsrStream> {
    if (this.#closed) throw engineClosed();
    const decoder = this.#idle.pop() ?? (await this.#createDecoder());
    const stream = new PocketSphinxStream(decoder, (drained) => {
      this.#streams.delete(stream);
      this.#track(drained.then((reusable) => this.#recycle(decoder, reusable)));
    });
    this.#streams.add(stream);
    return stream;
  }

  /** Closes every open stream and frees every decoder; resolves once all are freed. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      for (const stream of this.#streams) stream.close();
      for (const decoder of this.#idle.splice(0)) decoder.release();
    }
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  async #createDecoder(): Promise<NativeDecoder> {
    const creation = this.#native.Decoder.createAsync(this.#decoderOptions);
    this.#track(creation.then(noop, noop));
    let decoder: NativeDecoder;
    try {
      decoder = await creation;
    } catch (err) {
      throw engineFailure(err);
    }
    if (this.#closed) {
      decoder.release();
      throw engineClosed();
    }
    return decoder;
  }

  #recycle(decoder: NativeDecoder, reusable: boolean): void {
    if (reusable && !this.#closed && this.#idle.length < this.#maxIdle) {
      decoder.reset();
      this.#idle.push(decoder);
    } else {
      decoder.release();
    }
  }

  #track(work: Promise<void>): void {
    const tracked = work.finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }
}

/** One decoder's utterances; calls are queued so they never overlap on the decoder. */
class PocketSphinxStream implements AsrStream {
  readonly #decoder: NativeDecoder;
  /** Receives a promise that settles with whether the decoder may be pooled. */
  readonly #onClose: (drained: Promise<boolean>) => void;
  /** Settles after the last queued call; never rejects. */
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** False after a native failure: the decoder is freed instead of pooled. */
  #healthy = true;
  #utteranceSamples = 0;

  constructor(decoder: NativeDecoder, onClose: (drained: Promise<boolean>) => void) {
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

  /** Queued calls reject; the decoder returns to the pool after the call in flight, if any. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose(this.#drain());
  }

  async #drain(): Promise<boolean> {
    await this.#tail;
    if (!this.#decoder.inUtterance) return this.#healthy;
    try {
      await this.#decoder.endUttAsync();
      return this.#healthy;
    } catch {
      return false;
    }
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
    this.#tail = result.catch(noop);
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

/** `defaults` with same-named pairs from `overrides` replaced; PocketSphinx rejects duplicates. */
function mergeArgs(defaults: readonly string[], overrides: readonly string[]): string[] {
  const merged = new Map<string, string>();
  for (const list of [defaults, overrides]) {
    for (let i = 0; i + 1 < list.length; i += 2) merged.set(list[i]!, list[i + 1]!);
  }
  return [...merged].flat();
}

function engineFailure(err: unknown): ParleyError {
  if (err instanceof ParleyError) return err;
  return new ParleyError('engine_failure', err instanceof Error ? err.message : String(err));
}

function engineClosed(): ParleyError {
  return new ParleyError('internal', 'PocketSphinx engine is closed');
}

function noop(): void {}
