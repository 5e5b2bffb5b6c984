import { ProsodyTracker, type ProsodyFeatures } from '../../audio/prosody-features.js';
import type { EndOfTurnInput } from '../../models/turn/end-of-turn-features.js';
import type { EndOfTurnModel } from '../../models/turn/end-of-turn-model.js';
import { lexicalCues, type LexicalCues } from '../../models/turn/lexical-cues.js';
import { INLINE_PITCH_TRACKING, type PitchTracking } from '../../models/turn/pitch-tracking.js';
import type { WorkScheduler } from '../scheduler/work-scheduler.js';

const SAMPLES_PER_MS = 16;

export interface EndOfTurnEstimatorOptions {
  /** Scheduler key of this channel's end-of-turn work. */
  key: string;
  /** Deadline of a pause's feature work after its chunk arrived. */
  deadlineMs: number;
  /**
   * A pause that begins less than this much audio after the last pause whose prosody was
   * computed reuses that prosody: audio that stops and starts every few chunks cannot make
   * the server compute prosody (a few ms each time) more often than this.
   */
  minIntervalMs: number;
  /** Where a pause's pitch is tracked (the server's worker thread); default: inline. */
  pitch?: PitchTracking;
  /** Told every estimate with what it was made from (the fitting script records them). */
  observer?: (input: EndOfTurnInput, probability: number, speechEndMs: number) => void;
}

/** What the estimator reads of the turn at each chunk of a pause. */
export interface TurnSoFar {
  /** The recognizer's first-pass words so far: a new array whenever they change. */
  words: readonly { word: string }[];
  /** Where the turn's speech started, ms of audio. */
  startMs: number;
}

/**
 * One channel's end-of-turn estimates: it hears every chunk (for the prosody of the voiced
 * stretch before a pause), computes a pause's prosody once as the pause begins (through the
 * scheduler, in the turn-signal tier; its pitch track on `pitch`), and then scores each chunk
 * of the pause with the model from its silence, that prosody and the words so far.
 */
export class EndOfTurnEstimator {
  private readonly prosody = new ProsodyTracker();
  /** The current pause's prosody, by where its speech ended. */
  private pause: { speechEndMs: number; features: ProsodyFeatures } | null = null;
  /** The last pause whose prosody was computed (not reused). */
  private computed: { speechEndMs: number; features: ProsodyFeatures } | null = null;
  /** The cues of the words last seen: a pause is scored every chunk, its words change far less often. */
  private cues: { words: readonly { word: string }[]; cues: LexicalCues } | null = null;
  /** The current turn's pauses that speech resumed after. */
  private history = { resumedPauses: 0, longestResumedMs: 0 };

  constructor(
    private readonly model: EndOfTurnModel,
    private readonly scheduler: WorkScheduler,
    private readonly options: EndOfTurnEstimatorOptions,
    private readonly turn: () => TurnSoFar,
  ) {}

  /** Every chunk the VAD decided, in order from the channel's start. */
  accept(samples: Float32Array, isSpeech: boolean): void {
    this.prosody.accept(samples, isSpeech);
  }

  /** Speech started at `atMs`: a new turn (`inTurn` false), or the current pause resumed. */
  speechStarted(atMs: number, inTurn: boolean): void {
    if (!inTurn) this.history = { resumedPauses: 0, longestResumedMs: 0 };
    else if (this.pause) {
      this.history.resumedPauses++;
      this.history.longestResumedMs = Math.max(this.history.longestResumedMs, atMs - this.pause.speechEndMs);
    }
    this.pause = null;
  }

  /** Speech stopped at `speechEndMs`: its prosody is computed before the pause's first estimate. */
  async pauseBegan(speechEndMs: number, receivedAtMs: number): Promise<void> {
    const last = this.computed;
    if (last && speechEndMs - last.speechEndMs < this.options.minIntervalMs) {
      this.pause = { speechEndMs, features: last.features };
      return;
    }
    const features = await this.scheduler.submit({
      workClass: 'turn',
      key: this.options.key,
      deadline: receivedAtMs + this.options.deadlineMs,
      run: async () => {
        const window = this.prosody.pitchWindow(Math.round(speechEndMs * SAMPLES_PER_MS));
        return this.prosody.featuresFrom(window, await (this.options.pitch ?? INLINE_PITCH_TRACKING).track(window.samples));
      },
    });
    this.pause = { speechEndMs, features };
    this.computed = this.pause;
  }

  /** The detector's `EndOfTurnEstimate`. */
  readonly estimate = (speechEndMs: number, silenceMs: number): number => {
    const pause = this.pause;
    if (!pause || pause.speechEndMs !== speechEndMs) return 0;
    const turn = this.turn();
    const input: EndOfTurnInput = {
      silenceMs,
      prosody: pause.features,
      cues: this.cuesOf(turn.words),
      turnMs: speechEndMs - turn.startMs,
      history: { ...this.history },
    };
    const probability = this.model.probability(input);
    this.options.observer?.(input, probability, speechEndMs);
    return probability;
  };

  private cuesOf(words: readonly { word: string }[]): LexicalCues {
    if (this.cues?.words !== words) this.cues = { words, cues: lexicalCues(words.map((w) => w.word)) };
    return this.cues.cues;
  }

  /** Drops the channel's waiting feature work. */
  close(): void {
    this.scheduler.cancel(this.options.key);
  }
}
