/** Audio encodings accepted on the wire. */
export type AudioEncoding = 'pcm_s16le' | 'pcm_f32le' | 'mulaw' | 'alaw';

export const AUDIO_ENCODINGS: readonly AudioEncoding[] = ['pcm_s16le', 'pcm_f32le', 'mulaw', 'alaw'];

export type EndOfTurnMode = 'model' | 'silence';

export const END_OF_TURN_MODES: readonly EndOfTurnMode[] = ['model', 'silence'];

/** A session's effective configuration, as echoed in `session.started`. */
export interface SessionConfig {
  encoding: AudioEncoding;
  /** Input sample rate, 8000 to 48000 Hz. */
  sample_rate: number;
  /** 1, or 2 interleaved channels; each channel has its own pipeline and turn ids. */
  channels: 1 | 2;
  /** Send `transcript.partial` events. */
  interim_results: boolean;
  /**
   * How a turn's end is decided: `model` (the end-of-turn model weighs silence, prosody and
   * words) or `silence` (timers only: `eager_end_ms`, `end_ms`).
   */
  end_of_turn: EndOfTurnMode;
  /**
   * Silence: trailing silence (ms of audio) after which `turn.eager_end` fires. Model: the
   * least silence before an eager end.
   */
  eager_end_ms: number;
  /**
   * Silence: trailing silence (ms of audio) after which `turn.end` fires. Model: setting it
   * sets `max_end_ms` too, unless `max_end_ms` is given.
   */
  end_ms: number;
  /** Model: end-of-turn probability (0 to 1) at which `turn.end` fires, once `min_end_ms` of silence passed. */
  eot_threshold: number;
  /** Model: end-of-turn probability (0 to 1, at most `eot_threshold`) at which `turn.eager_end` fires. */
  eager_eot_threshold: number;
  /** Model: no turn ends before this much trailing silence (ms of audio). */
  min_end_ms: number;
  /** Model: trailing silence (ms of audio) after which the turn ends whatever the model says. */
  max_end_ms: number;
  /** Free key/values echoed in `session.started` (call id, agent id). */
  labels: Record<string, string>;
}

/** What a client may set: every key optional, overriding the server's defaults. */
export type SessionConfigInput = Partial<SessionConfig>;

/** The limits a session runs under, announced in `session.started`. */
export interface SessionLimits {
  /** Largest WebSocket message accepted, in bytes; larger closes with 1009. */
  max_message_bytes: number;
  /** Audio received but not yet processed, in ms, above which the server stops reading. */
  max_buffered_audio_ms: number;
  /** A connection that sends nothing (not even `keepalive`) for this long is closed. */
  idle_timeout_ms: number;
  /** A turn that reaches this much audio ends (`turn.end` reason `max_duration`). */
  max_turn_ms: number;
  /** The session ends after this much wall time (`session.ended` reason `max_duration`); 0: no limit. */
  max_session_ms: number;
  /** Most words a `transcript.partial` carries; older stable words are left out (`omitted_words`). */
  max_partial_words: number;
}
