import { ParleyError } from '../../proto/errors.js';
import type { VadChunk } from './vad-stream.js';

export interface SpeechGateOptions {
  /** A chunk at or above this probability is speech. Default 0.5. */
  threshold?: number;
  /** While speaking, a chunk below this is silence. Default threshold - 0.15 (at least 0.01). */
  negThreshold?: number;
  /** Consecutive speech needed before speech starts. Default 64 (two chunks). */
  minSpeechMs?: number;
}

export interface SpeechGateDecision {
  speaking: boolean;
  /** Audio ms where speech began; only on the chunk that confirms it. */
  started?: number;
  /** Audio ms where speech ended (end of the last chunk at or above negThreshold); only on the first silent chunk. */
  stopped?: number;
}

/** Speech/silence decisions from VAD chunks, with Silero's hysteresis. Pure: no timers, no I/O. */
export class SpeechGate {
  readonly threshold: number;
  readonly negThreshold: number;
  readonly minSpeechMs: number;
  private isSpeaking = false;
  /** Start of the current run of chunks at or above threshold, while not yet speaking. */
  private candidateStart: number | undefined;
  private lastVoicedEnd = 0;

  constructor(options: SpeechGateOptions = {}) {
    this.threshold = options.threshold ?? 0.5;
    // Silero's floor: a negative threshold would never see silence.
    this.negThreshold = options.negThreshold ?? Math.max(this.threshold - 0.15, 0.01);
    this.minSpeechMs = options.minSpeechMs ?? 64;
    if (!(this.threshold > 0 && this.threshold <= 1)) {
      throw new ParleyError('bad_config', `threshold must be in (0, 1], got ${this.threshold}`);
    }
    if (!(this.negThreshold > 0 && this.negThreshold <= this.threshold)) {
      throw new ParleyError('bad_config', `negThreshold must be in (0, threshold], got ${this.negThreshold}`);
    }
    if (!(this.minSpeechMs >= 0)) {
      throw new ParleyError('bad_config', `minSpeechMs must be >= 0, got ${this.minSpeechMs}`);
    }
  }

  get speaking(): boolean {
    return this.isSpeaking;
  }

  update(chunk: VadChunk): SpeechGateDecision {
    if (this.isSpeaking) {
      if (chunk.prob >= this.negThreshold) {
        this.lastVoicedEnd = chunk.endMs;
        return { speaking: true };
      }
      this.isSpeaking = false;
      return { speaking: false, stopped: this.lastVoicedEnd };
    }
    if (chunk.prob < this.threshold) {
      this.candidateStart = undefined;
      return { speaking: false };
    }
    this.candidateStart ??= chunk.startMs;
    if (chunk.endMs - this.candidateStart < this.minSpeechMs) return { speaking: false };
    const started = this.candidateStart;
    this.candidateStart = undefined;
    this.isSpeaking = true;
    this.lastVoicedEnd = chunk.endMs;
    return { speaking: true, started };
  }
}
