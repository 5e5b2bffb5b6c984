import { ParleyError } from '../../../proto/errors.js';
import type { AsrEngine, AsrHypothesis, AsrStream } from '../asr-engine.js';
import type { TransducerEngine } from './transducer-engine.js';

const FEATURE_FRAME_SAMPLES = 160;

/**
 * The transducer behind the per-stream AsrEngine interface the pipeline drives today: each
 * call decodes its stream's ready chunks as batches of one. Cross-session batching needs the
 * batch-shaped interface of design 6 in the pipeline and the scheduler.
 */
export class TransducerAsrEngine implements AsrEngine {
  readonly name = 'transducer';

  constructor(private readonly engine: TransducerEngine) {}

  async openStream(options: { signal?: AbortSignal } = {}): Promise<AsrStream> {
    if (options.signal?.aborted) throw new ParleyError('session_ended', 'the session ended while waiting for a recognizer');
    if (!this.engine.healthy) throw new ParleyError('engine_failure', 'the transducer engine is unavailable');
    return new TransducerAsrStream(this.engine, this.engine.openStream());
  }

  close(): Promise<void> {
    return this.engine.close();
  }
}

class TransducerAsrStream implements AsrStream {
  private closed = false;
  /**
   * Zeros after an utterance's audio: a chunk is decoded only once a whole chunk and one
   * frame more are there, so this pushes the utterance's last frames through the encoder.
   */
  private readonly tailPadding: Float32Array;

  constructor(
    private readonly engine: TransducerEngine,
    private readonly id: number,
  ) {
    this.tailPadding = new Float32Array((engine.info.encoder.chunkFrames + 1) * FEATURE_FRAME_SAMPLES);
  }

  async startUtterance(): Promise<void> {
    this.engine.reset(this.id);
  }

  async accept(samples: Int16Array): Promise<AsrHypothesis> {
    const floats = new Float32Array(samples.length);
    for (let i = 0; i < samples.length; i++) floats[i] = samples[i]! / 32768;
    this.engine.acceptWaveform(this.id, floats);
    return this.decodeReady();
  }

  /** A transducer has no second pass: the utterance's end is its last chunks decoded. */
  async endUtterance(): Promise<AsrHypothesis> {
    this.engine.acceptWaveform(this.id, this.tailPadding);
    this.engine.inputFinished(this.id);
    return this.decodeReady();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.engine.closeStream(this.id);
  }

  private async decodeReady(): Promise<AsrHypothesis> {
    while (!this.closed && this.engine.isReady(this.id)) await this.engine.decode([this.id]);
    if (this.closed) throw new ParleyError('session_ended', 'the recognizer stream was closed');
    const { text, words } = this.engine.result(this.id);
    return { text, words };
  }
}

