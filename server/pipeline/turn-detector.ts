import type { TurnEndReason } from '../../proto/messages.js';

/** What the speech gate said about one VAD chunk. */
export interface GateDecision {
  /** Speech just started; its start in ms of audio. */
  started?: number;
  /** Speech just stopped; where it ended in ms of audio. */
  stopped?: number;
}

export type TurnAction =
  | { kind: 'start'; atMs: number }
  | { kind: 'eager_end'; speechEndMs: number }
  | { kind: 'resumed' }
  | { kind: 'end'; speechEndMs: number; reason: TurnEndReason };

export interface TurnDetectorOptions {
  /** Trailing silence before `eager_end`. */
  eagerEndMs: number;
  /** Trailing silence before `end`. */
  endMs: number;
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
  | { phase: 'trailing'; speechEndMs: number; eagerSent: boolean };

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

  /** Feeds the gate's decision for the chunk ending at `chunkEndMs`. */
  update(chunkEndMs: number, gate: GateDecision): TurnAction[] {
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
      if (!current.eagerSent && silenceMs >= this.options.eagerEndMs) {
        current.eagerSent = true;
        actions.push({ kind: 'eager_end', speechEndMs: current.speechEndMs });
      }
      if (silenceMs >= this.options.endMs) {
        actions.push({ kind: 'end', speechEndMs: current.speechEndMs, reason: 'max_silence' });
        this.state = { phase: 'idle', speechEndMs: current.speechEndMs };
      }
    }
    this.limitLength(chunkEndMs, actions);
    return actions;
  }

  /** Ends the turn now (finalize, stop, drain); `audioMs` is where speech ends if still speaking. */
  forceEnd(audioMs: number, reason: TurnEndReason): Extract<TurnAction, { kind: 'end' }> | null {
    const state = this.state;
    if (state.phase === 'idle') return null;
    this.state = { phase: 'idle' };
    return { kind: 'end', speechEndMs: state.phase === 'trailing' ? state.speechEndMs : audioMs, reason };
  }

  /**
   * Ends a turn that reached `maxTurnMs`. If its speech goes on, the next turn starts where
   * this one was cut, so the speech is split between turns, never dropped.
   */
  private limitLength(chunkEndMs: number, actions: TurnAction[]): void {
    const state = this.state;
    if (state.phase === 'idle' || chunkEndMs - this.turnStartMs < this.options.maxTurnMs) return;
    if (state.phase === 'trailing') {
      actions.push({ kind: 'end', speechEndMs: state.speechEndMs, reason: 'max_duration' });
      this.state = { phase: 'idle', speechEndMs: state.speechEndMs };
      return;
    }
    actions.push({ kind: 'end', speechEndMs: chunkEndMs, reason: 'max_duration' }, { kind: 'start', atMs: chunkEndMs });
    this.turnStartMs = chunkEndMs;
  }
}
