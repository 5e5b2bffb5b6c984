import type { AsrHypothesis, AsrStream, AsrWord } from '../../models/asr/asr-engine.js';
import { SpeechGate } from '../../models/vad/speech-gate.js';
import type { VadStream } from '../../models/vad/vad-stream.js';
import type { ChannelEvent, ChannelStats, TurnEndReason, WireWord } from '../../proto/messages.js';
import type { WorkScheduler } from '../scheduler/work-scheduler.js';
import { omittedPartialWords } from './partial-window.js';
import { ReceiveClock } from './receive-clock.js';
import { SampleQueue } from './sample-queue.js';
import { EndOfTurnEstimator, type EndOfTurnEstimatorOptions } from './end-of-turn-estimator.js';
import type { EndOfTurnModel } from '../../models/turn/end-of-turn-model.js';
import { TurnDetector, type EndOfTurnThresholds, type TurnAction } from './turn-detector.js';
import { TurnRecognizer } from './turn-recognizer.js';
import { newTurn, textOf, type Turn } from './turn.js';

const SAMPLES_PER_MS = 16;
const NO_WORDS: readonly AsrWord[] = [];

export interface ChannelPipelineOptions {
  channel: number;
  /** Scheduler key of this channel's recognition work. */
  key: string;
  eagerEndMs: number;
  endMs: number;
  interimResults: boolean;
  /** Audio before the detected speech start that the recognizer also hears. */
  preRollMs: number;
  /** Silence after a turn's speech the recognizer hears at once; the rest waits until speech resumes (see ServerOptions). */
  recognizerTrailingSilenceMs: number;
  /** How long `turn.end` waits for the end-of-utterance pass (see ServerOptions). */
  finalPassWaitMs: number;
  /** Deadline of partial decoding after the audio arrived (see ServerOptions). */
  partialDeadlineMs: number;
  /** Most audio decoded in one call (see ServerOptions). */
  maxDecodeMs: number;
  /**
   * Longest turn, from its speech start (pre-roll excluded, see TurnDetector): a turn that
   * reaches it ends (`max_duration`) and, while speech goes on, the next begins at once.
   * Absent: no limit (a Session always sets `max_turn_ms`).
   */
  maxTurnMs?: number;
  /** Model mode (session `end_of_turn: "model"`); absent: silence timers only. */
  endOfTurn?: {
    model: EndOfTurnModel;
    thresholds: EndOfTurnThresholds;
  } & Pick<EndOfTurnEstimatorOptions, 'deadlineMs' | 'minIntervalMs' | 'observer' | 'pitch'>;
  /**
   * Most words a `transcript.partial` carries; older stable words are left out and counted
   * in `omitted_words`, which is absent while nothing is left out. Absent: no limit.
   */
  maxPartialWords?: number;
}

export interface ChannelPipelineHooks {
  emit(event: ChannelEvent): void;
  /** The pipeline failed; it does nothing more. */
  fail(error: unknown): void;
  /** Some buffered audio was processed. */
  progressed(): void;
}

/**
 * One channel of a session. The detector side (VAD, speech gate, turn detector) runs
 * ahead on its own promise chain and decides turn boundaries in audio time; the recognizer
 * side decodes behind it through the scheduler. Turn events never wait for decoding:
 * `turn.eager_end` carries the best text so far, and `turn.end` waits for the final pass
 * at most `finalPassWaitMs` (anytime finalization), with `transcript.corrected` after.
 */
export class ChannelPipeline {
  /** The detector side's steps, in order. */
  private chain: Promise<void>;
  private gate = new SpeechGate();
  private readonly turns: TurnDetector;
  private readonly recognizer: TurnRecognizer;
  private readonly endOfTurn: EndOfTurnEstimator | null;
  private readonly clock = new ReceiveClock();
  /** Samples received but not yet given a VAD decision. */
  private readonly undecided = new SampleQueue();
  /** Idle audio kept for the next turn's pre-roll. */
  private readonly preRoll = new SampleQueue();
  /** A turn's trailing silence past `recognizerTrailingSilenceMs`: decoded only if speech resumes in the turn. */
  private readonly heldSilence = new SampleQueue();
  private turn: Turn | null = null;
  /** Turns whose end was decided but not yet sent, with the timer that sends it anyway. */
  private readonly ending = new Map<Turn, NodeJS.Timeout>();
  private turnCount = 0;
  private receivedSamples = 0;
  private decidedSamples = 0;
  private closed = false;
  /** Set by `shutdown`: audio not decided yet is dropped, no turn starts. */
  private draining = false;
  private readonly stats: ChannelStats;

  constructor(
    private readonly options: ChannelPipelineOptions,
    private readonly vad: VadStream,
    asr: Promise<AsrStream>,
    scheduler: WorkScheduler,
    private readonly hooks: ChannelPipelineHooks,
  ) {
    const model = options.endOfTurn;
    this.turns = new TurnDetector({ eagerEndMs: options.eagerEndMs, endMs: options.endMs, maxTurnMs: options.maxTurnMs ?? Infinity, model: model?.thresholds });
    this.endOfTurn = model
      ? new EndOfTurnEstimator(model.model, scheduler, { key: `${options.key}:turn`, deadlineMs: model.deadlineMs, minIntervalMs: model.minIntervalMs, observer: model.observer, pitch: model.pitch }, () => ({
          words: this.turn?.words ?? NO_WORDS,
          startMs: this.turn?.utteranceStartMs ?? 0,
        }))
      : null;
    this.stats = { channel: options.channel, audio_ms: 0, turns: 0, eager_ends: 0, resumed: 0 };
    this.recognizer = new TurnRecognizer(
      asr,
      scheduler,
      {
        key: options.key,
        partialDeadlineMs: options.partialDeadlineMs,
        finalDeadlineMs: options.finalPassWaitMs,
        maxDecodeMs: options.maxDecodeMs,
      },
      {
        updated: (turn) => this.sendPartial(turn),
        finished: (turn, hypothesis) => this.onFinalPass(turn, hypothesis),
        fail: (error) => this.failWith(error),
        progressed: () => this.hooks.progressed(),
      },
    );
    // Detection starts once the recognizer stream is open: the session announces itself only
    // then, and no turn event may come before that. Meanwhile audio waits (and counts as
    // buffered, so the transport stops reading). A failed open is reported by the recognizer.
    this.chain = asr.then(
      () => undefined,
      () => undefined,
    );
  }

  /** Audio received but not yet processed (by the detector, then the recognizer), in ms. */
  get bufferedMs(): number {
    return (this.receivedSamples - this.decidedSamples) / SAMPLES_PER_MS + this.recognizer.waitingMs;
  }

  get channelStats(): ChannelStats {
    return { ...this.stats, audio_ms: this.receivedSamples / SAMPLES_PER_MS };
  }

  push(samples: Float32Array, receivedAtMs: number): void {
    if (this.closed || this.draining || samples.length === 0) return;
    this.receivedSamples += samples.length;
    this.clock.record(this.receivedSamples / SAMPLES_PER_MS, receivedAtMs);
    this.enqueue(() => this.detect(samples));
  }

  /** Ends the current turn now, as if its silence had been long enough. */
  finalize(): void {
    this.enqueue(async () => this.forceEnd('finalize'));
  }

  /** Processes everything queued, ends any open turn, and waits for its final pass. */
  async finish(): Promise<void> {
    this.enqueue(async () => {
      const tail = this.undecided.take(this.undecided.length);
      this.decidedSamples += tail.length;
      if (this.turn) this.feedRecognizer(this.turn, tail, this.decidedSamples / SAMPLES_PER_MS, performance.now());
      this.forceEnd('stop');
    });
    await this.chain;
    await this.recognizer.drained();
  }

  /**
   * Server drain or the session's time limit: stops detecting at once (audio not decided yet
   * is dropped) and ends the open turn now with `reason`. Resolves when every ended turn's
   * `turn.end` is out: after its end-of-utterance pass, or `finalPassWaitMs` at most, with the
   * text by then.
   */
  async shutdown(reason: 'server_shutdown' | 'max_duration'): Promise<void> {
    if (this.closed || this.draining) return;
    this.draining = true;
    this.forceEnd(reason);
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.finalPassWaitMs)));
    await Promise.race([this.recognizer.drained(), waited]);
    clearTimeout(timer);
    for (const turn of [...this.ending.keys()]) this.sendEnd(turn, turn.words);
  }

  /** Stops at once: queued work is dropped and the recognizer stream released. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ending.forEach((timer) => clearTimeout(timer));
    this.ending.clear();
    this.vad.close();
    this.recognizer.close();
    this.endOfTurn?.close();
  }

  private enqueue(step: () => Promise<void>): void {
    this.chain = this.chain.then(() => (this.closed || this.draining ? undefined : step())).catch((error) => this.failWith(error));
  }

  private failWith(error: unknown): void {
    if (this.closed) return;
    this.hooks.fail(error);
    this.close();
  }

  private async detect(samples: Float32Array): Promise<void> {
    this.undecided.push(samples);
    const chunks = await this.vad.push(samples);
    for (const chunk of chunks) {
      if (this.closed || this.draining) return;
      const receivedAtMs = this.clock.wallTimeAt(chunk.endMs);
      const chunkSamples = this.undecided.take(Math.round((chunk.endMs - chunk.startMs) * SAMPLES_PER_MS));
      this.decidedSamples += chunkSamples.length;
      const gate = this.gate.update(chunk);
      const estimator = this.endOfTurn;
      if (estimator) {
        estimator.accept(chunkSamples, this.gate.speaking || gate.stopped !== undefined);
        if (gate.started !== undefined) estimator.speechStarted(gate.started, this.turns.inTurn);
        if (gate.stopped !== undefined && this.turns.inTurn) await estimator.pauseBegan(gate.stopped, receivedAtMs);
        if (this.closed || this.draining) return;
      }
      const actions = this.turns.update(chunk.endMs, gate, estimator?.estimate);
      // A turn that starts first owns this chunk; one that starts after an end (a turn cut
      // at maxTurnMs) begins after it.
      const opening = actions[0]?.kind === 'start' ? actions[0] : null;
      if (opening) this.beginTurn(opening.atMs, receivedAtMs);
      if (this.turn) this.feedRecognizer(this.turn, chunkSamples, chunk.endMs, receivedAtMs);
      else this.keepForPreRoll(chunkSamples);
      for (const action of opening ? actions.slice(1) : actions) this.apply(action, receivedAtMs);
      this.forgetArrivals(chunk.endMs);
    }
    this.hooks.progressed();
  }

  /**
   * Later questions to the clock are about a later chunk's end or the open turn's speech end
   * (eager end, end): what came before is dropped, so its cost and memory do not grow with
   * the turn.
   */
  private forgetArrivals(chunkEndMs: number): void {
    this.clock.forgetBefore(this.turns.inTurn ? chunkEndMs - this.turns.trailingSilenceMs(chunkEndMs) : chunkEndMs);
  }

  /**
   * PocketSphinx decodes silence no faster than speech, and the words are the same
   * without the end of a long pause, so past a short tail the pause waits here. If
   * speech resumes, the recognizer gets it first and hears the turn's audio unbroken.
   */
  private feedRecognizer(turn: Turn, samples: Float32Array, chunkEndMs: number, receivedAtMs: number): void {
    if (this.turns.trailingSilenceMs(chunkEndMs) > this.options.recognizerTrailingSilenceMs) {
      this.heldSilence.push(samples);
      return;
    }
    if (this.heldSilence.length > 0) this.recognizer.feed(turn, this.heldSilence.take(this.heldSilence.length), receivedAtMs);
    this.recognizer.feed(turn, samples, receivedAtMs);
  }

  private keepForPreRoll(samples: Float32Array): void {
    this.preRoll.push(samples);
    this.preRoll.keepLast(this.options.preRollMs * SAMPLES_PER_MS);
  }

  private beginTurn(atMs: number, receivedAtMs: number): void {
    // A new turn's events come after the previous turn's end: send it with what we have.
    for (const previous of [...this.ending.keys()]) this.sendEnd(previous, previous.words);
    const preRollSamples = this.preRoll.length;
    this.turnCount++;
    this.stats.turns++;
    this.turn = newTurn(this.turnCount, (this.decidedSamples - preRollSamples) / SAMPLES_PER_MS);
    this.recognizer.begin(this.turn, this.preRoll.take(preRollSamples), receivedAtMs);
    this.hooks.emit({ type: 'speech.started', channel: this.options.channel, turn_id: this.turnCount, at_ms: atMs });
  }

  private apply(action: TurnAction, receivedAtMs: number): void {
    if (action.kind === 'start') {
      this.beginTurn(action.atMs, receivedAtMs);
      return;
    }
    const turn = this.turn;
    if (!turn) return;
    const channel = this.options.channel;
    switch (action.kind) {
      case 'eager_end':
        this.stats.eager_ends++;
        this.hooks.emit({
          type: 'turn.eager_end',
          channel,
          turn_id: turn.id,
          text: textOf(turn.words),
          speech_end_ms: action.speechEndMs,
          latency_ms: elapsedSince(this.clock.wallTimeAt(action.speechEndMs)),
          ...confidenceOf(action),
        });
        return;
      case 'resumed':
        this.stats.resumed++;
        this.hooks.emit({ type: 'turn.resumed', channel, turn_id: turn.id });
        return;
      case 'end':
        this.endTurn(turn, action.speechEndMs, action.reason, action.confidence);
        return;
    }
  }

  private forceEnd(reason: TurnEndReason): void {
    const action = this.turns.forceEnd(this.decidedSamples / SAMPLES_PER_MS, reason);
    this.gate = new SpeechGate();
    if (action && this.turn) this.endTurn(this.turn, action.speechEndMs, reason, action.confidence);
  }

  /** The detector ended the turn: the recognizer finishes it; `turn.end` goes out by the wait at the latest. */
  private endTurn(turn: Turn, speechEndMs: number, reason: TurnEndReason, confidence: number | undefined): void {
    turn.speechEndMs = speechEndMs;
    turn.endConfidence = confidence;
    turn.speechEndWallMs = this.clock.wallTimeAt(speechEndMs);
    turn.endReason = reason;
    this.turn = null;
    this.heldSilence.clear();
    this.recognizer.end(turn);
    this.ending.set(
      turn,
      setTimeout(() => this.sendEnd(turn, turn.words), this.options.finalPassWaitMs),
    );
  }

  private sendPartial(turn: Turn): void {
    if (turn.sentEndText !== null) return;
    turn.revision++;
    if (!this.options.interimResults) return;
    // Only the words sent are joined and mapped: a partial costs no more as the turn grows.
    const omitted = omittedPartialWords(turn.words.length, turn.stableCount, this.options.maxPartialWords ?? Infinity);
    const words = turn.words.slice(omitted);
    this.hooks.emit({
      type: 'transcript.partial',
      channel: this.options.channel,
      turn_id: turn.id,
      revision: turn.revision,
      text: textOf(words),
      stable_words: turn.stableCount - omitted,
      words: this.toWire(turn, words),
      ...(omitted > 0 ? { omitted_words: omitted } : {}),
    });
  }

  private sendEnd(turn: Turn, words: readonly AsrWord[]): void {
    if (this.closed || turn.sentEndText !== null) return;
    clearTimeout(this.ending.get(turn));
    this.ending.delete(turn);
    turn.sentEndText = textOf(words);
    this.hooks.emit({
      type: 'turn.end',
      channel: this.options.channel,
      turn_id: turn.id,
      text: turn.sentEndText,
      words: this.toWire(turn, words),
      speech_end_ms: turn.speechEndMs!,
      latency_ms: elapsedSince(turn.speechEndWallMs!),
      reason: turn.endReason!,
      ...confidenceOf({ confidence: turn.endConfidence }),
    });
  }

  /**
   * The end-of-utterance pass is done: it is the turn's end, or corrects the end already
   * sent. Stable words only change through `transcript.corrected`, so a pass that rewrites
   * them ends the turn with the first-pass words and corrects it at once.
   */
  private onFinalPass(turn: Turn, hypothesis: AsrHypothesis): void {
    if (turn.sentEndText === null) {
      const keepsStable = turn.words.slice(0, turn.stableCount).every((w, i) => hypothesis.words[i]?.word === w.word);
      this.sendEnd(turn, keepsStable ? hypothesis.words : turn.words);
    }
    const text = textOf(hypothesis.words);
    if (this.closed || turn.sentEndText === null || text === turn.sentEndText) return;
    turn.revision++;
    this.hooks.emit({
      type: 'transcript.corrected',
      channel: this.options.channel,
      turn_id: turn.id,
      revision: turn.revision,
      text,
      previous_text: turn.sentEndText,
    });
  }

  private toWire(turn: Turn, words: readonly AsrWord[]): WireWord[] {
    const base = turn.utteranceStartMs;
    return words.map((w) => ({ word: w.word, start_ms: Math.round(base + w.startMs), end_ms: Math.round(base + w.endMs) }));
  }
}

/** The event field, present in model mode only. */
function confidenceOf(decision: { confidence?: number }): { end_of_turn_confidence?: number } {
  return decision.confidence === undefined ? {} : { end_of_turn_confidence: Math.round(decision.confidence * 1000) / 1000 };
}

/** Latency as design.md section 4 defines it: now minus when the audio at the speech end arrived. */
function elapsedSince(wallMs: number): number {
  return Math.max(0, Math.round(performance.now() - wallMs));
}
