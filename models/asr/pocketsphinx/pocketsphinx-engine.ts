import { join } from 'node:path';

import { ParleyError } from '../../../proto/errors.js';
import type { AsrEngine, AsrStream } from '../asr-engine.js';
import { DecoderPool, type RunThrough } from './decoder-pool.js';
import { loadNativeBinding, type NativeDecoderOptions } from './native-binding.js';
import { engineClosed, waitAborted } from './pocketsphinx-errors.js';
import { ACOUSTIC_MODEL, DICTIONARY, LANGUAGE_MODEL, POCKETSPHINX_MODEL_DIR } from './pocketsphinx-model.js';
import { PocketSphinxStream } from './pocketsphinx-stream.js';

export type { EngineWork, RunThrough } from './decoder-pool.js';

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
  /**
   * Decoders alive at once (idle, in use, being drained or created); `openStream` waits
   * for one beyond that. Each holds its own copy of the models. Default 32: 16 sessions of
   * two channels.
   */
  maxDecoders?: number;
  /** Decoders kept loaded for the next `openStream` once their stream closes. Default 4, at most `maxDecoders`. */
  maxIdleDecoders?: number;
  /** Idle decoders beyond those `prewarm` loaded are freed after this long unused (ms). Default 0: kept. */
  idleDecoderTtlMs?: number;
  /**
   * Nice value (integer 0 to 19) of the threadpool threads that create decoders and run
   * decodes, so the event loop and the VAD thread win the CPU when recognition saturates it.
   * Threadpool threads are reused: once lowered, a thread stays lowered for all later
   * threadpool work of the process (fs, dns, zlib, crypto too). Default 0: left as it is.
   */
  decodeNiceness?: number;
  /**
   * Starts decoder creations and the drains of closed streams (ending an open utterance
   * before the decoder is reused); the server passes its scheduler, so this work is ranked
   * with all other model work. Neither belongs to one session: a decoder created for a
   * client that left serves the next. Default: run at once.
   */
  runThrough?: RunThrough;
}

const DEFAULT_MAX_DECODERS = 32;
const DEFAULT_MAX_IDLE_DECODERS = 4;
const MAX_NICENESS = 19;

// Parley's own VAD decides where speech is; PocketSphinx's VAD would drop silent
// frames, and word times would no longer match the audio.
const DEFAULT_DECODER_ARGS = ['-remove_silence', 'no'];

/** PocketSphinx en-US behind the common ASR interface; a bounded pool of decoders serves the streams. */
export class PocketSphinxEngine implements AsrEngine {
  readonly name = 'pocketsphinx';

  readonly #pool: DecoderPool;
  readonly #maxIdle: number;
  readonly #streams = new Set<PocketSphinxStream>();
  #closed = false;

  /** Creates the engine and loads one decoder (kept idle if the pool allows), so bad model paths fail here. */
  static async create(options: PocketSphinxOptions = {}): Promise<PocketSphinxEngine> {
    const engine = new PocketSphinxEngine(options);
    engine.#pool.giveBack(await engine.#pool.acquire());
    return engine;
  }

  constructor(options: PocketSphinxOptions = {}) {
    const maxDecoders = options.maxDecoders ?? DEFAULT_MAX_DECODERS;
    if (!Number.isInteger(maxDecoders) || maxDecoders < 1) {
      throw new ParleyError('bad_config', `maxDecoders must be a positive integer, got ${maxDecoders}`);
    }
    const maxIdle = options.maxIdleDecoders ?? Math.min(DEFAULT_MAX_IDLE_DECODERS, maxDecoders);
    if (!Number.isInteger(maxIdle) || maxIdle < 0 || maxIdle > maxDecoders) {
      throw new ParleyError('bad_config', `maxIdleDecoders must be an integer from 0 to maxDecoders (${maxDecoders}), got ${maxIdle}`);
    }
    const niceness = options.decodeNiceness ?? 0;
    if (!Number.isInteger(niceness) || niceness < 0 || niceness > MAX_NICENESS) {
      throw new ParleyError('bad_config', `decodeNiceness must be an integer from 0 to ${MAX_NICENESS}, got ${niceness}`);
    }
    const args = options.decoderArgs ?? [];
    if (args.length % 2 !== 0) {
      throw new ParleyError('bad_config', 'decoderArgs must be name/value pairs');
    }
    const modelDir = options.modelDir ?? POCKETSPHINX_MODEL_DIR;
    const decoderOptions: NativeDecoderOptions = {
      hmm: options.hmm ?? join(modelDir, ACOUSTIC_MODEL),
      lm: options.lm ?? join(modelDir, LANGUAGE_MODEL),
      dict: options.dict ?? join(modelDir, DICTIONARY),
      args: mergeArgs(DEFAULT_DECODER_ARGS, args),
      niceness,
    };
    const native = loadNativeBinding();
    this.#maxIdle = maxIdle;
    this.#pool = new DecoderPool({
      create: () => native.Decoder.createAsync(decoderOptions),
      maxDecoders,
      maxIdleDecoders: maxIdle,
      idleTtlMs: options.idleDecoderTtlMs,
      runThrough: options.runThrough,
    });
  }

  /** Decoders loaded and waiting for a stream. */
  get idleDecoders(): number {
    return this.#pool.idle;
  }

  /** Decoders alive or being created (idle, in use, draining); never above `maxDecoders`. */
  get liveDecoders(): number {
    return this.#pool.live;
  }

  /** `openStream` calls waiting for a decoder. */
  get waitingStreams(): number {
    return this.#pool.waiting;
  }

  /** Loads decoders on the threadpool until at least `count` are idle, as far as `maxDecoders` allows. */
  async prewarm(count: number): Promise<void> {
    if (!Number.isInteger(count) || count < 0 || count > this.#maxIdle) {
      throw new ParleyError('bad_config', `prewarm count must be an integer from 0 to maxIdleDecoders (${this.#maxIdle}), got ${count}`);
    }
    await this.#pool.prewarm(count);
  }

  async openStream(options: { signal?: AbortSignal } = {}): Promise<AsrStream> {
    const { signal } = options;
    const decoder = await this.#pool.acquire(signal);
    // Closing the engine closed the pool, which freed this decoder.
    if (this.#closed) throw engineClosed();
    if (signal?.aborted) {
      this.#pool.giveBack(decoder);
      throw waitAborted();
    }
    const stream = new PocketSphinxStream(decoder, (settled) => {
      this.#streams.delete(stream);
      this.#pool.reclaim(decoder, settled);
    });
    this.#streams.add(stream);
    return stream;
  }

  /** Closes every open stream, rejects waiting `openStream` calls and frees every decoder; resolves once all are freed. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      for (const stream of this.#streams) stream.close();
    }
    await this.#pool.close();
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
