/** Audio encodings accepted on the wire. */
export type AudioEncoding = 'pcm_s16le' | 'pcm_f32le' | 'mulaw' | 'alaw';

export const AUDIO_ENCODINGS: readonly AudioEncoding[] = ['pcm_s16le', 'pcm_f32le', 'mulaw', 'alaw'];

/** A session's effective configuration, as echoed in `session.started`. */
export interface SessionConfig {
  encoding: AudioEncoding;
  /** Input sample rate, 8000 to 48000 Hz. */
  sample_rate: number;
  /** 1, or 2 interleaved channels; each channel has its own pipeline and turn ids. */
  channels: 1 | 2;
  /** Send `transcript.partial` events. */
  interim_results: boolean;
  /** Trailing silence (ms of audio) after which `turn.eager_end` fires. */
  eager_end_ms: number;
  /** Trailing silence (ms of audio) after which `turn.end` fires. */
  end_ms: number;
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
