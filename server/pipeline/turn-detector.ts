import type { TurnEndReason } from '../../proto/messages.js';

/** What the speech gate said about one VAD chunk. */
export interface GateDecision {
  /** Speech just started; its start in ms of audio. */
  started?: number;
  /** Speech just stopped; where it ended in ms of audio. */
  stopped?: number;
}

/** `confidence`: the end-of-turn model's probability at the decision (model mode only). */
export type TurnAction =
  | { kind: 'start'; atMs: number }
  | { kind: 'eager_end'; speechEndMs: number; confidence?: number }
  | { kind: 'resumed' }
  | { kind: 'end'; speechEndMs: number; reason: TurnEndReason; confidence?: number };

/** Model mode's thresholds (session config `eot_threshold`, ...). */
export interface EndOfTurnThresholds {
  eotThreshold: number;
  eagerEotThreshold: number;
  minEndMs: number;
  maxEndMs: number;
}

/** The end-of-turn model's probability that the turn is over, after `silenceMs` of the pause that began at `speechEndMs`. */
export type EndOfTurnEstimate = (speechEndMs: number, silenceMs: number) => number;

export interface TurnDetectorOptions {
  /** Silence mode: trailing silence before `eager_end`. Model mode: the least silence before it. */
  eagerEndMs: number;
  /** Silence mode: trailing silence before `end`. */
  endMs: number;
  /** Model mode when set: a pause ends the turn by the model's probability (`update`'s estimate). */
  model?: EndOfTurnThresholds;
  /**
   * Longest turn, counted in audio from its speech start (`start.atMs`), pre-roll excluded:
   * that span is what the client sees of the turn, and the pre-roll adds a fixed amount.
   */
  maxTurnMs: number;
}

type State =
  /** `speechEndMs`: where the last turn's speech ended, if a turn ended by silence. */
  | { phase: 'idle'; speechEndMs?: number }
  | { phase: 'speaking' }
  | { phase: 'trailing'; speechEndMs: number; eagerSent: boolean; confidence?: number };

/**
 * Turns speech/silence decisions into turn boundaries, in audio time only: the same
 * audio gives the same turns however fast it arrives.
 */
export class TurnDetector {
  private state: State = { phase: 'idle' };
  /** Where the open turn's speech started. */
  private turnStartMs = 0;

  constructor(private readonly options: TurnDetectorOptions) {}

  get inTurn(): boolean {
    return this.state.phase !== 'idle';
  }

  /** Silence since the last speech of a turn ended, at `atMs` (the chunk that ends a turn included); 0 while speaking. */
  trailingSilenceMs(atMs: number): number {
    const state = this.state;
    if (state.phase === 'speaking' || state.speechEndMs === undefined) return 0;
    return atMs - state.speechEndMs;
  }

  /** Whether the model decides ends (else silence timers do). */
  get modelMode(): boolean {
    return this.options.model !== undefined;
  }

  /**
   * Feeds the gate's decision for the chunk ending at `chunkEndMs`. Model mode asks `estimate`
   * once per chunk of a pause.
   */
  update(chunkEndMs: number, gate: GateDecision, estimate?: EndOfTurnEstimate): TurnAction[] {
    const actions: TurnAction[] = [];
    const state = this.state;
    if (gate.started !== undefined) {
      if (state.phase === 'idle') {
        actions.push({ kind: 'start', atMs: gate.started });
        this.turnStartMs = gate.started;
      } else if (state.phase === 'trailing' && state.eagerSent) {
        actions.push({ kind: 'resumed' });
      }
      this.state = { phase: 'speaking' };
    }
    if (gate.stopped !== undefined && this.state.phase === 'speaking') {
      this.state = { phase: 'trailing', speechEndMs: gate.stopped, eagerSent: false };
    }
    const current = this.state;
    if (current.phase === 'trailing') {
      const silenceMs = chunkEndMs - current.speechEndMs;
      const model = this.options.model;
      if (model && estimate) this.decideByModel(current, silenceMs, model, estimate(current.speechEndMs, silenceMs), actions);
      else this.decideBySilence(current, silenceMs, actions);
    }
    this.limitLength(chunkEndMs, actions);
    return actions;
  }

  /**
   * Ends the turn now (finalize, stop, drain); `audioMs` is where speech ends if still
   * speaking. In model mode its confidence is the pause's latest estimate (0 mid-speech).
   */
  forceEnd(audioMs: number, reason: TurnEndReason): Extract<TurnAction, { kind: 'end' }> | null {
    const state = this.state;
    if (state.phase === 'idle') return null;
    this.state = { phase: 'idle' };
    const end: Extract<TurnAction, { kind: 'end' }> = { kind: 'end', speechEndMs: state.phase === 'trailing' ? state.speechEndMs : audioMs, reason };
    const confidence = this.confidenceOf(state);
    if (confidence !== undefined) end.confidence = confidence;
    return end;
  }

  /** A forced end's confidence: the pause's latest estimate, 0 mid-speech; none in silence mode. */
  private confidenceOf(state: State): number | undefined {
    if (!this.modelMode) return undefined;
    return state.phase === 'trailing' ? (state.confidence ?? 0) : 0;
  }

  private decideBySilence(state: Extract<State, { phase: 'trailing' }>, silenceMs: number, actions: TurnAction[]): void {
    if (!state.eagerSent && silenceMs >= this.options.eagerEndMs) {
      state.eagerSent = true;
      actions.push({ kind: 'eager_end', speechEndMs: state.speechEndMs });
    }
    if (silenceMs >= this.options.endMs) {
      actions.push({ kind: 'end', speechEndMs: state.speechEndMs, reason: 'max_silence' });
      this.state = { phase: 'idle', speechEndMs: state.speechEndMs };
    }
  }

  /**
   * The model decides once `min_end_ms` of silence passed, the longest silence ends the turn
   * whatever it says. Every end follows an eager end (in the same chunk if the model went
   * straight past both thresholds), as in silence mode.
   */
  private decideByModel(
    state: Extract<State, { phase: 'trailing' }>,
    silenceMs: number,
    model: EndOfTurnThresholds,
    confidence: number,
    actions: TurnAction[],
  ): void {
    state.confidence = confidence;
    const reason = silenceMs >= model.minEndMs && confidence >= model.eotThreshold ? 'model' : silenceMs >= model.maxEndMs ? 'max_silence' : null;
    const eagerDue = silenceMs >= this.options.eagerEndMs && confidence >= model.eagerEotThreshold;
    if (!state.eagerSent && (eagerDue || reason)) {
      state.eagerSent = true;
      actions.push({ kind: 'eager_end', speechEndMs: state.speechEndMs, confidence });
    }
    if (reason) {
      actions.push({ kind: 'end', speechEndMs: state.speechEndMs, reason, confidence });
      this.state = { phase: 'idle', speechEndMs: state.speechEndMs };
    }
  }

  /**
   * Ends a turn that reached `maxTurnMs`. If its speech goes on, the next turn starts where
   * this one was cut, so the speech is split between turns, never dropped.
   */
  private limitLength(chunkEndMs: number, actions: TurnAction[]): void {
    const state = this.state;
    if (state.phase === 'idle' || chunkEndMs - this.turnStartMs < this.options.maxTurnMs) return;
    const confidence = this.confidenceOf(state);
    if (state.phase === 'trailing') {
      actions.push({ kind: 'end', speechEndMs: state.speechEndMs, reason: 'max_duration', confidence });
      this.state = { phase: 'idle', speechEndMs: state.speechEndMs };
      return;
    }
    actions.push({ kind: 'end', speechEndMs: chunkEndMs, reason: 'max_duration', confidence }, { kind: 'start', atMs: chunkEndMs });
    this.turnStartMs = chunkEndMs;
  }
}
