import { join } from 'node:path';

import { concatSamples } from '../../../audio/concat-samples.js';
import { toInt16 } from '../../../audio/to-int16.js';
import { ParleyError } from '../../../proto/errors.js';
import type { AsrHypothesis } from '../asr-engine.js';
import type { StreamingAsrModel } from '../streaming-asr-model.js';
import { DecoderPool, type RunThrough } from './decoder-pool.js';
import { loadNativeBinding, type NativeDecoder, type NativeDecoderOptions, type NativeHypothesis } from './native-binding.js';
import { engineClosed, engineFailure, waitAborted } from './pocketsphinx-errors.js';
import { ACOUSTIC_MODEL, DICTIONARY, LANGUAGE_MODEL, POCKETSPHINX_MODEL_DIR } from './pocketsphinx-model.js';

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

const EMPTY: AsrHypothesis = { text: '', words: [] };

interface Stream {
  decoder: NativeDecoder;
  /** Audio fed and not decoded yet, as the decoder takes it. */
  waiting: Int16Array[];
  /** `reset` asked for a new utterance: the next step ends any open one and starts it. */
  restart: boolean;
  finished: boolean;
  /** The finished utterance's end-of-utterance pass ran. */
  ended: boolean;
  utteranceSamples: number;
  hypothesis: AsrHypothesis;
  busy: boolean;
  /** Settles when the step in flight does; never rejects. */
  step: Promise<unknown>;
  /** False after a native failure: the decoder is freed instead of reused. */
  healthy: boolean;
}

/**
 * PocketSphinx en-US on the batch-shaped model interface, as a batch of one: each stream
 * holds a decoder of a bounded pool, and a step decodes the stream's waiting audio (its first
 * pass) and, once its input finished, the end-of-utterance pass (fwdflat and bestpath).
 */
export class PocketSphinxRecognizer implements StreamingAsrModel {
  readonly name = 'pocketsphinx';
  readonly maxBatch = 1;
  readonly tailPaddingSamples = 0;

  readonly #pool: DecoderPool;
  readonly #maxIdle: number;
  readonly #streams = new Map<number, Stream>();
  #nextId = 0;
  #closed = false;

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

  /** Loads one decoder (kept idle if the pool allows), so that bad model paths fail here. */
  async load(): Promise<void> {
    this.#pool.giveBack(await this.#pool.acquire());
  }

  /** Loads decoders on the threadpool until at least `count` are idle, as far as `maxDecoders` allows. */
  async prewarm(count: number): Promise<void> {
    if (!Number.isInteger(count) || count < 0 || count > this.#maxIdle) {
      throw new ParleyError('bad_config', `prewarm count must be an integer from 0 to maxIdleDecoders (${this.#maxIdle}), got ${count}`);
    }
    await this.#pool.prewarm(count);
  }

  async openStream(options: { signal?: AbortSignal } = {}): Promise<number> {
    const { signal } = options;
    const decoder = await this.#pool.acquire(signal);
    // Closing the engine closed the pool, which freed this decoder.
    if (this.#closed) throw engineClosed();
    if (signal?.aborted) {
      this.#pool.giveBack(decoder);
      throw waitAborted();
    }
    const id = this.#nextId++;
    this.#streams.set(id, {
      decoder,
      waiting: [],
      restart: true,
      finished: false,
      ended: false,
      utteranceSamples: 0,
      hypothesis: EMPTY,
      busy: false,
      step: Promise.resolve(),
      healthy: true,
    });
    return id;
  }

  acceptWaveform(id: number, samples: Float32Array): void {
    const stream = this.#stream(id);
    if (stream.finished) {
      if (!stream.ended) throw new ParleyError('engine_failure', `stream ${id}: audio before its finished utterance was decoded`);
      // Audio after a finished utterance starts the next one.
      this.reset(id);
    }
    if (samples.length > 0) stream.waiting.push(toInt16(samples));
  }

  inputFinished(id: number): void {
    this.#stream(id).finished = true;
  }

  isOpen(id: number): boolean {
    return this.#streams.has(id);
  }

  isReady(id: number): boolean {
    const stream = this.#stream(id);
    if (stream.busy) return false;
    // A finished utterance that got no audio has nothing to decode: its result is empty.
    return stream.waiting.length > 0 || (stream.finished && !stream.ended && !stream.restart);
  }

  async decode(ids: readonly number[]): Promise<void> {
    if (ids.length > this.maxBatch) throw new ParleyError('engine_failure', `PocketSphinx decodes one stream per step, got ${ids.length}`);
    if (ids.length === 0) return;
    const id = ids[0]!;
    const stream = this.#stream(id);
    if (!this.isReady(id)) throw new ParleyError('engine_failure', `stream ${id} has nothing ready`);
    stream.busy = true;
    const step = this.#step(stream);
    stream.step = step.catch(() => undefined);
    try {
      await step;
    } catch (err) {
      stream.healthy = false;
      throw engineFailure(err);
    } finally {
      stream.busy = false;
    }
  }

  result(id: number): AsrHypothesis {
    return this.#stream(id).hypothesis;
  }

  reset(id: number): void {
    const stream = this.#stream(id);
    if (stream.busy) throw new ParleyError('engine_failure', `stream ${id} is being decoded`);
    Object.assign(stream, { waiting: [], restart: true, finished: false, ended: false, utteranceSamples: 0, hypothesis: EMPTY });
  }

  /** The decoder goes back to the pool once the step in flight, if any, is done; an open utterance is drained there. */
  closeStream(id: number): void {
    const stream = this.#streams.get(id);
    if (!stream) return;
    this.#streams.delete(id);
    this.#pool.reclaim(stream.decoder, stream.step.then(() => stream.healthy));
  }

  /** Closes every open stream, rejects waiting `openStream` calls and frees every decoder; resolves once all are freed. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      for (const id of [...this.#streams.keys()]) this.closeStream(id);
    }
    await this.#pool.close();
  }

  async #step(stream: Stream): Promise<void> {
    const { decoder } = stream;
    if (stream.restart) {
      // An utterance left open by the previous turn: ended, its result dropped.
      if (decoder.inUtterance) await decoder.endUttAsync();
      decoder.startUtt();
      stream.restart = false;
    }
    const waiting = stream.waiting.splice(0);
    if (waiting.length > 0) {
      const pcm = concatSamples(waiting);
      stream.utteranceSamples += pcm.length;
      stream.hypothesis = this.#toHypothesis(stream, await decoder.processAsync(pcm));
    }
    if (stream.finished && stream.waiting.length === 0) {
      stream.ended = true;
      stream.hypothesis = decoder.inUtterance ? this.#toHypothesis(stream, await decoder.endUttAsync()) : EMPTY;
    }
  }

  #stream(id: number): Stream {
    const stream = this.#streams.get(id);
    if (!stream) throw new ParleyError('session_ended', `PocketSphinx stream is closed (${id})`);
    return stream;
  }

  #toHypothesis(stream: Stream, hypothesis: NativeHypothesis): AsrHypothesis {
    const { decoder } = stream;
    const msPerFrame = 1000 / decoder.frameRate;
    // The last frame may be padded past the audio received; times never exceed it.
    const audioMs = Math.round((stream.utteranceSamples * 1000) / decoder.sampleRate);
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
