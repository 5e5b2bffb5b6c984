import { ParleyError } from '../../../proto/errors.js';
import type { AsrEngine, AsrHypothesis, AsrStream, AsrUrgency } from '../asr-engine.js';
import type { TransducerEngine } from './transducer-engine.js';

const FEATURE_FRAME_SAMPLES = 160;

/** One encoder step of one stream, as the scheduler's batcher takes it. */
export interface TransducerStepRequest extends AsrUrgency {
  /** The session channel: its steps run in order, never two in one batch. */
  key: string;
  stream: number;
}

/**
 * Runs steps batched across sessions (the server's model batcher, whose batches call
 * `TransducerEngine.decode`), and drops a key's waiting steps when its stream closes.
 */
export interface TransducerStepper {
  step(request: TransducerStepRequest): Promise<void>;
  cancel(key: string): void;
}

/** Urgency of calls made without one (tests, tools): decode now. */
const NOW: () => AsrUrgency = () => ({ workClass: 'final', deadline: performance.now() });

/**
 * The transducer behind the per-stream AsrEngine interface the pipeline drives: feeding is
 * synchronous, and every ready chunk becomes a step request that the stepper batches with
 * other sessions' steps. Its streams are self-scheduled: only their batches go through the
 * scheduler.
 */
export class TransducerAsrEngine implements AsrEngine {
  readonly name = 'transducer';
  private anonymous = 0;

  constructor(
    readonly engine: TransducerEngine,
    private readonly stepper: TransducerStepper,
  ) {}

  async openStream(options: { signal?: AbortSignal; key?: string } = {}): Promise<AsrStream> {
    if (options.signal?.aborted) throw new ParleyError('session_ended', 'the session ended while waiting for a recognizer');
    if (!this.engine.healthy) throw new ParleyError('engine_failure', 'the transducer engine is unavailable');
    return new TransducerAsrStream(this.engine, this.stepper, options.key ?? `transducer-stream-${this.anonymous++}`);
  }

  close(): Promise<void> {
    return this.engine.close();
  }
}

class TransducerAsrStream implements AsrStream {
  readonly selfScheduled = true;
  private readonly id: number;
  private closed = false;
  /** Calls run one after another, in the order made, as a scheduler lane would run them. */
  private previous: Promise<unknown> = Promise.resolve();
  /**
   * Zeros after an utterance's audio: a chunk is decoded only once a whole chunk and one
   * frame more are there, so this pushes the utterance's last frames through the encoder.
   */
  private readonly tailPadding: Float32Array;

  constructor(
    private readonly engine: TransducerEngine,
    private readonly stepper: TransducerStepper,
    private readonly key: string,
  ) {
    this.id = engine.openStream();
    this.tailPadding = new Float32Array((engine.info.encoder.chunkFrames + 1) * FEATURE_FRAME_SAMPLES);
  }

  startUtterance(): Promise<void> {
    return this.inTurn(async () => this.engine.reset(this.id));
  }

  accept(samples: Int16Array, urgency: AsrUrgency = NOW()): Promise<AsrHypothesis> {
    return this.inTurn(() => {
      const floats = new Float32Array(samples.length);
      for (let i = 0; i < samples.length; i++) floats[i] = samples[i]! / 32768;
      this.engine.acceptWaveform(this.id, floats);
      return this.decodeReady(urgency);
    });
  }

  /** A transducer has no second pass: the utterance's end is its last chunks decoded. */
  endUtterance(urgency: AsrUrgency = NOW()): Promise<AsrHypothesis> {
    return this.inTurn(() => {
      this.engine.acceptWaveform(this.id, this.tailPadding);
      this.engine.inputFinished(this.id);
      return this.decodeReady(urgency);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stepper.cancel(this.key);
    this.engine.closeStream(this.id);
  }

  private inTurn<T>(call: () => Promise<T>): Promise<T> {
    const result = this.previous.then(() => {
      if (this.closed) throw new ParleyError('session_ended', 'the recognizer stream was closed');
      return call();
    });
    this.previous = result.catch(() => undefined);
    return result;
  }

  private async decodeReady(urgency: AsrUrgency): Promise<AsrHypothesis> {
    while (!this.closed && this.engine.isReady(this.id)) await this.stepper.step({ ...urgency, key: this.key, stream: this.id });
    if (this.closed) throw new ParleyError('session_ended', 'the recognizer stream was closed');
    const { text, words } = this.engine.result(this.id);
    return { text, words };
  }
}
