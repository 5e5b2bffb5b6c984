import { StreamingAsrEngine } from '../streaming-asr-engine.js';
import { type PocketSphinxOptions, PocketSphinxRecognizer } from './pocketsphinx-recognizer.js';

export type { EngineWork, RunThrough } from './decoder-pool.js';
export type { PocketSphinxOptions } from './pocketsphinx-recognizer.js';

/**
 * PocketSphinx en-US behind the per-stream interface: each call decodes its stream as a batch
 * of one inside the scheduler job its caller runs it in (decoders are independent, so the
 * scheduler runs as many at once as it has slots).
 */
export class PocketSphinxEngine extends StreamingAsrEngine<PocketSphinxRecognizer> {
  /** Creates the engine and loads one decoder (kept idle if the pool allows), so bad model paths fail here. */
  static async create(options: PocketSphinxOptions = {}): Promise<PocketSphinxEngine> {
    const engine = new PocketSphinxEngine(options);
    await engine.model.load();
    return engine;
  }

  constructor(options: PocketSphinxOptions = {}) {
    super(new PocketSphinxRecognizer(options));
  }

  /** Decoders loaded and waiting for a stream. */
  get idleDecoders(): number {
    return this.model.idleDecoders;
  }

  /** Decoders alive or being created (idle, in use, draining); never above `maxDecoders`. */
  get liveDecoders(): number {
    return this.model.liveDecoders;
  }

  /** `openStream` calls waiting for a decoder. */
  get waitingStreams(): number {
    return this.model.waitingStreams;
  }

  /** Loads decoders on the threadpool until at least `count` are idle, as far as `maxDecoders` allows. */
  prewarm(count: number): Promise<void> {
    return this.model.prewarm(count);
  }
}
