import { ParleyError } from '../../proto/errors.js';
import type { AsrEngine, AsrHypothesis, AsrStream, AsrUrgency } from './asr-engine.js';
import type { StreamingAsrModel } from './streaming-asr-model.js';

/** One decode step of one stream, as the scheduler's batcher takes it. */
export interface AsrStepRequest extends AsrUrgency {
  /** The session channel: its steps run in order, never two in one batch. */
  key: string;
  stream: number;
}

/**
 * Runs steps batched across sessions (the server's model batcher, whose batches call the
 * model's `decode`), and drops a key's waiting steps when its stream closes.
 */
export interface AsrStepper {
  step(request: AsrStepRequest): Promise<void>;
  cancel(key: string): void;
}

/** Urgency of calls made without one (tests, tools): decode now. */
const NOW: () => AsrUrgency = () => ({ workClass: 'final', deadline: performance.now() });

/**
 * A batch-shaped model behind the per-stream interface the pipeline drives. With a stepper,
 * every ready step is batched with other sessions' (its streams are self-scheduled: only the
 * batches go through the scheduler); without one, a call decodes its stream's steps itself,
 * as a batch of one, inside the scheduler job its caller runs it in.
 */
export class StreamingAsrEngine<M extends StreamingAsrModel = StreamingAsrModel> implements AsrEngine {
  private anonymous = 0;

  constructor(
    readonly model: M,
    private readonly stepper: AsrStepper | null = null,
  ) {}

  get name(): string {
    return this.model.name;
  }

  async openStream(options: { signal?: AbortSignal; key?: string } = {}): Promise<AsrStream> {
    if (options.signal?.aborted) throw new ParleyError('session_ended', 'the session ended while waiting for a recognizer');
    const id = await this.model.openStream({ signal: options.signal });
    return new ModelAsrStream(this.model, this.stepper, id, options.key ?? `${this.model.name}-stream-${this.anonymous++}`);
  }

  close(): Promise<void> {
    return this.model.close();
  }
}

class ModelAsrStream implements AsrStream {
  readonly selfScheduled: boolean;
  private closed = false;
  /** Calls run one after another, in the order made, as a scheduler lane would run them. */
  private previous: Promise<unknown> = Promise.resolve();
  private readonly tailPadding: Float32Array;

  constructor(
    private readonly model: StreamingAsrModel,
    private readonly stepper: AsrStepper | null,
    private readonly id: number,
    private readonly key: string,
  ) {
    this.selfScheduled = stepper !== null;
    this.tailPadding = new Float32Array(model.tailPaddingSamples);
  }

  startUtterance(): Promise<void> {
    return this.inTurn(async () => this.model.reset(this.id));
  }

  /** `samples` is copied at once: the caller may reuse it while the call waits its turn. */
  accept(samples: Float32Array, urgency: AsrUrgency = NOW()): Promise<AsrHypothesis> {
    if (!(samples instanceof Float32Array)) {
      return Promise.reject(new ParleyError('bad_audio', 'recognizers accept 16 kHz mono Float32Array samples'));
    }
    const copy = samples.slice();
    return this.inTurn(() => {
      this.model.acceptWaveform(this.id, copy);
      return this.decodeReady(urgency);
    });
  }

  endUtterance(urgency: AsrUrgency = NOW()): Promise<AsrHypothesis> {
    return this.inTurn(() => {
      if (this.tailPadding.length > 0) this.model.acceptWaveform(this.id, this.tailPadding);
      this.model.inputFinished(this.id);
      return this.decodeReady(urgency);
    });
  }

  /** Waiting calls reject; the model releases the stream once its step in flight, if any, is done. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stepper?.cancel(this.key);
    this.model.closeStream(this.id);
  }

  private inTurn<T>(call: () => Promise<T>): Promise<T> {
    const result = this.previous.then(() => {
      this.throwIfClosed();
      return call();
    });
    this.previous = result.catch(() => undefined);
    return result;
  }

  /**
   * Steps the stream while it has work ready. A step in flight when the stream or the model
   * closes still answers, with the hypothesis as it last read.
   */
  private async decodeReady(urgency: AsrUrgency): Promise<AsrHypothesis> {
    const { model, id } = this;
    if (!model.isOpen(id)) throw new ParleyError('session_ended', 'the recognizer stream is closed');
    let hypothesis = model.result(id);
    while (!this.closed && model.isOpen(id) && model.isReady(id)) {
      if (this.stepper) await this.stepper.step({ ...urgency, key: this.key, stream: id });
      else await model.decode([id]);
      if (model.isOpen(id)) hypothesis = model.result(id);
    }
    return { text: hypothesis.text, words: hypothesis.words };
  }

  private throwIfClosed(): void {
    if (this.closed) throw new ParleyError('session_ended', 'the recognizer stream is closed');
  }
}
