import { concatSamples } from '../../audio/concat-samples.js';
import type { AsrHypothesis, AsrStream, AsrUrgency, AsrWord } from '../../models/asr/asr-engine.js';
import type { WorkScheduler } from '../scheduler/work-scheduler.js';
import { Stabilizer } from './stabilizer.js';
import type { Turn } from './turn.js';

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
  | { kind: 'begin'; turn: Turn; receivedAtMs: number }
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
  /** When the end of each turn with an `end` op still queued was decided: that turn's work is urgent. */
  private readonly endsDecidedAt = new Map<Turn, number>();
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
    this.push({ kind: 'begin', turn, receivedAtMs });
    this.feed(turn, preRoll, receivedAtMs);
  }

  feed(turn: Turn, samples: Float32Array, receivedAtMs: number): void {
    if (this.closed || samples.length === 0) return;
    this.waitingSamples += samples.length;
    this.push({ kind: 'audio', turn, samples, receivedAtMs });
  }

  /** No more audio for `turn`: its remaining audio and end-of-utterance pass become urgent. */
  end(turn: Turn): void {
    const decidedAtMs = performance.now();
    if (!this.closed) this.endsDecidedAt.set(turn, decidedAtMs);
    this.push({ kind: 'end', turn, decidedAtMs });
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
    this.endsDecidedAt.clear();
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
        await this.start(op);
        return;
      case 'audio':
        await this.decode(op);
        return;
      case 'end':
        await this.finish(op, this.schedule('final', op.decidedAtMs + this.options.finalDeadlineMs, (urgency) => asr.endUtterance(urgency)));
        return;
    }
  }

  /**
   * Starts the turn's utterance through the scheduler like every model call. Its first audio,
   * if already here, is queued right behind in the same lane, so no other channel's work
   * slips in between (a turn's end work would otherwise wait behind it).
   */
  private async start(op: Extract<Op, { kind: 'begin' }>): Promise<void> {
    this.stabilizer.reset();
    this.utteranceSamples = 0;
    const asr = this.asr!;
    const [workClass, deadline] = this.urgency(op.turn, op.receivedAtMs);
    const starting = this.schedule(workClass, deadline, (urgency) => asr.startUtterance(urgency));
    const next = this.ops[0];
    if (next?.kind !== 'audio' || next.turn !== op.turn) return starting;
    this.ops.shift();
    await Promise.all([starting, this.decode(next)]);
  }

  /** Work of a turn whose end is decided is part of that end; otherwise it is partial decoding. */
  private urgency(turn: Turn, receivedAtMs: number): [AsrUrgency['workClass'], number] {
    const endDecidedAtMs = this.endsDecidedAt.get(turn);
    return endDecidedAtMs === undefined
      ? ['partial', receivedAtMs + this.options.partialDeadlineMs]
      : ['final', endDecidedAtMs + this.options.finalDeadlineMs];
  }

  private async finish(op: Extract<Op, { kind: 'end' }>, pass: Promise<AsrHypothesis>): Promise<void> {
    this.endsDecidedAt.delete(op.turn);
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
    const [workClass, deadline] = this.urgency(first.turn, first.receivedAtMs);
    const asr = this.asr!;
    const decoding = this.schedule(workClass, deadline, (urgency) => asr.accept(samples, urgency));
    // The turn's last audio: queue its end-of-utterance pass right behind, in the same lane,
    // so no other channel's partial work slips in between.
    const next = this.ops[0];
    let ending: { op: Extract<Op, { kind: 'end' }>; pass: Promise<AsrHypothesis> } | null = null;
    if (next?.kind === 'end' && next.turn === first.turn) {
      this.ops.shift();
      ending = { op: next, pass: this.schedule('final', deadline, (urgency) => asr.endUtterance(urgency)) };
      ending.pass.catch(() => undefined);
    }
    const hypothesis = await decoding;
    if (this.closed) return;
    const turn = first.turn;
    this.waitingSamples -= samples.length;
    this.utteranceSamples += samples.length;
    const stabilized = this.stabilizer.update(hypothesis.words, this.utteranceSamples / SAMPLES_PER_MS);
    const changed = !sameWordsAfter(turn.stableCount, stabilized.words, turn.words);
    turn.words = stabilized.words;
    turn.stableCount = stabilized.stableCount;
    if (changed) this.hooks.updated(turn);
    this.hooks.progressed();
    if (ending) await this.finish(ending.op, ending.pass);
  }

  /**
   * Runs a recognizer call in the channel's scheduler lane, or, for a self-scheduled stream
   * (its batches go through the scheduler), directly: the call learns its urgency.
   */
  private schedule<T>(workClass: AsrUrgency['workClass'], deadline: number, run: (urgency: AsrUrgency) => Promise<T>): Promise<T> {
    const urgency = { workClass, deadline };
    if (this.asr?.selfScheduled) return run(urgency);
    return this.scheduler.submit({ workClass, key: this.options.key, deadline, run: () => run(urgency) });
  }
}

/** Whether two hypotheses of a turn that both keep its first `stable` words have the same words; looks only past those. */
function sameWordsAfter(stable: number, a: readonly AsrWord[], b: readonly AsrWord[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = stable; i < a.length; i++) if (a[i]!.word !== b[i]!.word) return false;
  return true;
}
