import { concatSamples } from '../../audio/concat-samples.js';
import type { AsrHypothesis, AsrStream } from '../../models/asr/asr-engine.js';
import type { WorkScheduler } from '../scheduler/work-scheduler.js';
import type { WorkClass } from '../scheduler/work-class.js';
import { Stabilizer } from './stabilizer.js';
import { toInt16 } from './to-int16.js';
import { textOf, type Turn } from './turn.js';

const SAMPLES_PER_MS = 16;

export interface TurnRecognizerOptions {
  /** Scheduler key: one channel's work runs in order. */
  key: string;
  /** Deadline of partial decoding, after the oldest waiting audio arrived. */
  partialDeadlineMs: number;
  /** Deadline of a turn's end work (remaining audio and the end-of-utterance pass), after the end was decided. */
  finalDeadlineMs: number;
  /** Most audio decoded in one call when waiting audio is merged: bounds how long one job holds a core. */
  maxDecodeMs: number;
}

export interface TurnRecognizerHooks {
  /** The turn's first-pass words changed. */
  updated(turn: Turn): void;
  /** The end-of-utterance pass finished. */
  finished(turn: Turn, hypothesis: AsrHypothesis): void;
  fail(error: unknown): void;
  /** Some waiting audio was decoded. */
  progressed(): void;
}

type Op =
  | { kind: 'begin'; turn: Turn }
  | { kind: 'audio'; turn: Turn; samples: Float32Array; receivedAtMs: number }
  | { kind: 'end'; turn: Turn; decidedAtMs: number };

/**
 * The recognizer side of a channel: decodes each turn's audio in order through the
 * scheduler, behind the detector. Audio waiting here is decoded in one call when the
 * recognizer falls behind, so overload costs partial updates, never audio.
 */
export class TurnRecognizer {
  private readonly ops: Op[] = [];
  private asr: AsrStream | null = null;
  private pumping: Promise<void> | null = null;
  private waitingSamples = 0;
  /** Samples of the current utterance decoded so far. */
  private utteranceSamples = 0;
  private readonly stabilizer = new Stabilizer();
  private closed = false;
  private readonly opened: Promise<void>;

  constructor(
    asr: Promise<AsrStream>,
    private readonly scheduler: WorkScheduler,
    private readonly options: TurnRecognizerOptions,
    private readonly hooks: TurnRecognizerHooks,
  ) {
    this.opened = asr.then((stream) => {
      if (this.closed) stream.close();
      else this.asr = stream;
    });
    this.opened.catch((error) => this.hooks.fail(error));
  }

  /** Audio handed over but not decoded yet, in ms. */
  get waitingMs(): number {
    return this.waitingSamples / SAMPLES_PER_MS;
  }

  begin(turn: Turn, preRoll: Float32Array, receivedAtMs: number): void {
    this.push({ kind: 'begin', turn });
    this.feed(turn, preRoll, receivedAtMs);
  }

  feed(turn: Turn, samples: Float32Array, receivedAtMs: number): void {
    if (this.closed || samples.length === 0) return;
    this.waitingSamples += samples.length;
    this.push({ kind: 'audio', turn, samples, receivedAtMs });
  }

  /** No more audio for `turn`: its remaining audio and end-of-utterance pass become urgent. */
  end(turn: Turn): void {
    this.push({ kind: 'end', turn, decidedAtMs: performance.now() });
  }

  /** Resolves once everything handed over so far is done. */
  async drained(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  /** Drops waiting work and releases the recognizer stream. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ops.length = 0;
    this.waitingSamples = 0;
    this.scheduler.cancel(this.options.key);
    this.asr?.close();
  }

  private push(op: Op): void {
    if (this.closed) return;
    this.ops.push(op);
    this.pumping ??= this.pump().finally(() => {
      this.pumping = null;
    });
  }

  private async pump(): Promise<void> {
    try {
      await this.opened;
      while (this.ops.length > 0 && !this.closed) await this.step(this.ops.shift()!);
    } catch (error) {
      if (!this.closed) this.hooks.fail(error);
    }
  }

  private async step(op: Op): Promise<void> {
    const asr = this.asr!;
    switch (op.kind) {
      case 'begin':
        this.stabilizer.reset();
        this.utteranceSamples = 0;
        await asr.startUtterance();
        return;
      case 'audio':
        await this.decode(op);
        return;
      case 'end':
        await this.finish(op, this.schedule('final', op.decidedAtMs + this.options.finalDeadlineMs, () => asr.endUtterance()));
        return;
    }
  }

  private async finish(op: Extract<Op, { kind: 'end' }>, pass: Promise<AsrHypothesis>): Promise<void> {
    const hypothesis = await pass;
    if (!this.closed) this.hooks.finished(op.turn, hypothesis);
  }

  /** Decodes this and every directly following audio op of the same turn in one call. */
  private async decode(first: Extract<Op, { kind: 'audio' }>): Promise<void> {
    const parts = [first.samples];
    let merged = first.samples.length;
    const limit = this.options.maxDecodeMs * SAMPLES_PER_MS;
    while (this.ops[0]?.kind === 'audio' && this.ops[0].turn === first.turn && merged < limit) {
      const next = this.ops.shift() as typeof first;
      parts.push(next.samples);
      merged += next.samples.length;
    }
    const samples = concatSamples(parts);
    const end = this.ops.find((op): op is Extract<Op, { kind: 'end' }> => op.kind === 'end' && op.turn === first.turn);
    const [workClass, deadline]: [WorkClass, number] = end
      ? ['final', end.decidedAtMs + this.options.finalDeadlineMs]
      : ['partial', first.receivedAtMs + this.options.partialDeadlineMs];
    const asr = this.asr!;
    const pcm = toInt16(samples);
    const decoding = this.schedule(workClass, deadline, () => asr.accept(pcm));
    // The turn's last audio: queue its end-of-utterance pass right behind, in the same lane,
    // so no other channel's partial work slips in between.
    let ending: Promise<AsrHypothesis> | null = null;
    if (end && this.ops[0] === end) {
      this.ops.shift();
      ending = this.schedule('final', deadline, () => asr.endUtterance());
      ending.catch(() => undefined);
    }
    const hypothesis = await decoding;
    if (this.closed) return;
    const turn = first.turn;
    this.waitingSamples -= samples.length;
    this.utteranceSamples += samples.length;
    const stabilized = this.stabilizer.update(hypothesis.words, this.utteranceSamples / SAMPLES_PER_MS);
    const changed = textOf(stabilized.words) !== textOf(turn.words);
    turn.words = stabilized.words;
    turn.stableCount = stabilized.stableCount;
    if (changed) this.hooks.updated(turn);
    this.hooks.progressed();
    if (ending) await this.finish(end!, ending);
  }

  private schedule<T>(workClass: WorkClass, deadline: number, run: () => Promise<T>): Promise<T> {
    return this.scheduler.submit({ workClass, key: this.options.key, deadline, run });
  }
}
