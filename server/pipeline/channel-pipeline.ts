import type { AsrHypothesis, AsrStream, AsrWord } from '../../models/asr/asr-engine.js';
import type { VadStream } from '../../models/vad/vad-stream.js';
import { SpeechGate } from '../../models/vad/speech-gate.js';
import type { ChannelEvent, ChannelStats, WireWord } from '../../proto/messages.js';
import { ReceiveClock } from './receive-clock.js';
import { SampleQueue } from './sample-queue.js';
import { Stabilizer } from './stabilizer.js';
import { TurnDetector, type TurnAction } from './turn-detector.js';
import { toInt16 } from './to-int16.js';

const SAMPLES_PER_MS = 16;

export interface ChannelPipelineOptions {
  channel: number;
  eagerEndMs: number;
  endMs: number;
  interimResults: boolean;
  /** Audio before the detected speech start that the recognizer also hears. */
  preRollMs: number;
  /** How long `turn.end` waits for the end-of-utterance pass (see ServerOptions). */
  finalPassWaitMs: number;
}

export interface ChannelPipelineHooks {
  emit(event: ChannelEvent): void;
  /** The pipeline failed; it does nothing more. */
  fail(error: unknown): void;
  /** Some buffered audio was processed. */
  progressed(): void;
}

interface OpenTurn {
  id: number;
  revision: number;
  /** Audio time of the first sample fed to the recognizer for this turn. */
  utteranceStartMs: number;
  words: AsrWord[];
  stableCount: number;
}

/**
 * One channel of a session: VAD, recognizer and turn detector over 16 kHz audio, in
 * order. Every operation is queued on one promise chain, so audio is decoded in order.
 */
export class ChannelPipeline {
  private chain: Promise<void>;
  private asr: AsrStream | null = null;
  private readonly gateFactory = () => new SpeechGate();
  private gate = this.gateFactory();
  private readonly turns: TurnDetector;
  private readonly stabilizer = new Stabilizer();
  private readonly clock = new ReceiveClock();
  /** Samples received but not yet given a VAD decision. */
  private readonly undecided = new SampleQueue();
  /** Idle audio kept for the next turn's pre-roll. */
  private readonly preRoll = new SampleQueue();
  private asrPending: Float32Array[] = [];
  private turn: OpenTurn | null = null;
  private turnCount = 0;
  private receivedSamples = 0;
  private processedSamples = 0;
  private closed = false;
  private readonly stats: ChannelStats;

  constructor(
    private readonly options: ChannelPipelineOptions,
    private readonly vad: VadStream,
    asr: Promise<AsrStream>,
    private readonly hooks: ChannelPipelineHooks,
  ) {
    this.turns = new TurnDetector({ eagerEndMs: options.eagerEndMs, endMs: options.endMs });
    this.stats = { channel: options.channel, audio_ms: 0, turns: 0, eager_ends: 0, resumed: 0 };
    this.chain = asr.then((stream) => {
      this.asr = stream;
    });
    this.chain = this.chain.catch((error) => this.failWith(error));
  }

  /** Audio received but not yet processed, in ms. */
  get bufferedMs(): number {
    return (this.receivedSamples - this.processedSamples) / SAMPLES_PER_MS;
  }

  get channelStats(): ChannelStats {
    return { ...this.stats, audio_ms: this.receivedSamples / SAMPLES_PER_MS };
  }

  push(samples: Float32Array, receivedAtMs: number): void {
    if (this.closed || samples.length === 0) return;
    this.receivedSamples += samples.length;
    this.clock.record(this.receivedSamples / SAMPLES_PER_MS, receivedAtMs);
    this.enqueue(() => this.process(samples));
  }

  /** Ends the current turn now, as if its silence had been long enough. */
  finalize(): void {
    this.enqueue(() => this.forceEnd());
  }

  /** Processes everything queued, then ends any open turn. */
  finish(): Promise<void> {
    this.enqueue(async () => {
      const tail = this.undecided.take(this.undecided.length);
      this.processedSamples += tail.length;
      if (this.turn) this.asrPending.push(tail);
      await this.forceEnd();
    });
    return this.chain;
  }

  /** Stops at once: queued work is dropped and the recognizer stream released. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.vad.close();
    this.asr?.close();
    this.chain.then(() => this.asr?.close());
  }

  private enqueue(step: () => Promise<void>): void {
    this.chain = this.chain.then(() => (this.closed ? undefined : step())).catch((error) => this.failWith(error));
  }

  private failWith(error: unknown): void {
    if (this.closed) return;
    this.hooks.fail(error);
    this.close();
  }

  private async process(samples: Float32Array): Promise<void> {
    this.undecided.push(samples);
    const chunks = await this.vad.push(samples);
    for (const chunk of chunks) {
      if (this.closed) return;
      const chunkSamples = this.undecided.take(Math.round((chunk.endMs - chunk.startMs) * SAMPLES_PER_MS));
      this.processedSamples += chunkSamples.length;
      const actions = this.turns.update(chunk.endMs, this.gate.update(chunk));
      const start = actions.find((a): a is Extract<TurnAction, { kind: 'start' }> => a.kind === 'start');
      if (start) await this.beginTurn(start.atMs);
      if (this.turn) this.asrPending.push(chunkSamples);
      else this.keepForPreRoll(chunkSamples);
      for (const action of actions) await this.apply(action);
    }
    if (this.turn) await this.decodePending();
    this.hooks.progressed();
  }

  private keepForPreRoll(samples: Float32Array): void {
    this.preRoll.push(samples);
    this.preRoll.keepLast(this.options.preRollMs * SAMPLES_PER_MS);
    this.clock.forgetBefore(this.processedSamples / SAMPLES_PER_MS - this.options.preRollMs);
  }

  private async beginTurn(atMs: number): Promise<void> {
    const preRollSamples = this.preRoll.length;
    const utteranceStartMs = (this.processedSamples - preRollSamples) / SAMPLES_PER_MS;
    this.turnCount++;
    this.stats.turns++;
    this.turn = { id: this.turnCount, revision: 0, utteranceStartMs, words: [], stableCount: 0 };
    this.stabilizer.reset();
    this.asrPending = [this.preRoll.take(preRollSamples)];
    await this.asr!.startUtterance();
    this.hooks.emit({ type: 'speech.started', channel: this.options.channel, turn_id: this.turnCount, at_ms: atMs });
  }

  private async apply(action: TurnAction): Promise<void> {
    const turn = this.turn;
    if (!turn) return;
    const channel = this.options.channel;
    switch (action.kind) {
      case 'start':
        return;
      case 'eager_end':
        await this.decodePending();
        this.stats.eager_ends++;
        this.hooks.emit({
          type: 'turn.eager_end',
          channel,
          turn_id: turn.id,
          text: textOf(turn.words),
          speech_end_ms: action.speechEndMs,
          latency_ms: this.latencySince(action.speechEndMs),
        });
        return;
      case 'resumed':
        this.stats.resumed++;
        this.hooks.emit({ type: 'turn.resumed', channel, turn_id: turn.id });
        return;
      case 'end':
        await this.endTurn(turn, action.speechEndMs);
        return;
    }
  }

  private async forceEnd(): Promise<void> {
    const action = this.turns.forceEnd(this.processedSamples / SAMPLES_PER_MS);
    this.gate = this.gateFactory();
    if (action && this.turn) await this.endTurn(this.turn, action.speechEndMs);
  }

  private async decodePending(): Promise<void> {
    const turn = this.turn!;
    const pending = this.asrPending;
    this.asrPending = [];
    const audio = concat(pending);
    if (audio.length === 0) return;
    const hypothesis = await this.asr!.accept(toInt16(audio));
    const decodedMs = this.processedSamples / SAMPLES_PER_MS - turn.utteranceStartMs;
    const stabilized = this.stabilizer.update(hypothesis.words, decodedMs);
    const changed = textOf(stabilized.words) !== textOf(turn.words);
    turn.words = stabilized.words;
    turn.stableCount = stabilized.stableCount;
    if (!changed) return;
    turn.revision++;
    if (!this.options.interimResults) return;
    this.hooks.emit({
      type: 'transcript.partial',
      channel: this.options.channel,
      turn_id: turn.id,
      revision: turn.revision,
      text: textOf(turn.words),
      stable_words: turn.stableCount,
      words: this.toWire(turn, turn.words),
    });
  }

  private async endTurn(turn: OpenTurn, speechEndMs: number): Promise<void> {
    await this.decodePending();
    this.turn = null;
    const finalPass = this.asr!.endUtterance();
    const inTime = await withDeadline(finalPass, this.options.finalPassWaitMs);
    const words = inTime ? inTime.words : turn.words;
    const text = textOf(words);
    this.hooks.emit({
      type: 'turn.end',
      channel: this.options.channel,
      turn_id: turn.id,
      text,
      words: this.toWire(turn, words),
      speech_end_ms: speechEndMs,
      latency_ms: this.latencySince(speechEndMs),
    });
    if (!inTime) void finalPass.then((late) => this.correct(turn, text, late), (error) => this.failWith(error));
  }

  /** The end-of-utterance pass finished after `turn.end`: send what it changed. */
  private correct(turn: OpenTurn, sentText: string, late: AsrHypothesis): void {
    const text = textOf(late.words);
    if (this.closed || text === sentText) return;
    turn.revision++;
    this.hooks.emit({
      type: 'transcript.corrected',
      channel: this.options.channel,
      turn_id: turn.id,
      revision: turn.revision,
      text,
      previous_text: sentText,
    });
  }

  private latencySince(speechEndMs: number): number {
    return Math.max(0, Math.round(performance.now() - this.clock.wallTimeAt(speechEndMs)));
  }

  private toWire(turn: OpenTurn, words: readonly AsrWord[]): WireWord[] {
    const base = turn.utteranceStartMs;
    return words.map((w) => ({ word: w.word, start_ms: Math.round(base + w.startMs), end_ms: Math.round(base + w.endMs) }));
  }
}

function textOf(words: readonly AsrWord[]): string {
  return words.map((w) => w.word).join(' ');
}

function concat(parts: Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Resolves with the value if it settles within `ms`, else with null (the promise runs on). */
async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
