import type { ErrorCode } from './errors.js';
import type { SessionConfig, SessionConfigInput, SessionLimits } from './session-config.js';

/** A recognized word; times are ms of audio since the session started. */
export interface WireWord {
  word: string;
  start_ms: number;
  end_ms: number;
}

// ---- Client to server (text frames; binary frames are raw audio) ----

export interface StartMessage extends SessionConfigInput {
  type: 'start';
}
export interface FinalizeMessage {
  type: 'finalize';
}
export interface StopMessage {
  type: 'stop';
}
export interface KeepaliveMessage {
  type: 'keepalive';
}

export type ClientMessage = StartMessage | FinalizeMessage | StopMessage | KeepaliveMessage;

// ---- Server to client ----

/** Which recognizer and model produce a session's transcripts: never a guess. */
export interface RecognizerInfo {
  /** `pocketsphinx` or `transducer`. */
  engine: string;
  /** PocketSphinx: `en-us`; a transducer: its export, `zipformer` or `zipformer2`. */
  model: string;
  /** The model's files, relative to its folder. */
  files: string[];
  /** SHA-256 over those files' contents in that order; hex, first 16 digits. */
  sha256: string;
}

export interface SessionStartedEvent {
  type: 'session.started';
  session_id: string;
  config: SessionConfig;
  limits: SessionLimits;
  recognizer: RecognizerInfo;
}
export interface SpeechStartedEvent {
  type: 'speech.started';
  channel: number;
  turn_id: number;
  at_ms: number;
}
export interface TranscriptPartialEvent {
  type: 'transcript.partial';
  channel: number;
  turn_id: number;
  revision: number;
  /** The whole turn so far. */
  text: string;
  /** How many leading words of `text` will not change again in this turn. */
  stable_words: number;
  words: WireWord[];
  /**
   * Leading words of the turn left out of `text`, `words` and `stable_words` to bound the
   * payload (`max_partial_words`): they are stable and were sent in earlier partials. 0 or
   * absent while the turn is short.
   */
  omitted_words?: number;
}
export interface TurnEagerEndEvent {
  type: 'turn.eager_end';
  channel: number;
  turn_id: number;
  text: string;
  speech_end_ms: number;
  latency_ms: number;
  /** The end-of-turn model's probability (0 to 1) that the turn is over; absent with `end_of_turn: "silence"`. */
  end_of_turn_confidence?: number;
}
export interface TurnResumedEvent {
  type: 'turn.resumed';
  channel: number;
  turn_id: number;
}
/**
 * Why a turn ended: the end-of-turn model was confident enough (`model`), its silence reached
 * `end_ms` (silence mode) or `max_end_ms` (model mode) (`max_silence`), the client sent
 * `finalize` or `stop`, it reached `max_turn_ms` of audio (`max_duration`), or the server
 * drained (`server_shutdown`).
 */
export type TurnEndReason = 'model' | 'max_silence' | 'finalize' | 'stop' | 'max_duration' | 'server_shutdown';

export interface TurnEndEvent {
  type: 'turn.end';
  channel: number;
  turn_id: number;
  text: string;
  words: WireWord[];
  speech_end_ms: number;
  latency_ms: number;
  reason: TurnEndReason;
  /** The end-of-turn model's probability (0 to 1) that the turn is over, when it ended; absent with `end_of_turn: "silence"`. */
  end_of_turn_confidence?: number;
}
export interface TranscriptCorrectedEvent {
  type: 'transcript.corrected';
  channel: number;
  turn_id: number;
  revision: number;
  text: string;
  previous_text: string;
}
export interface ErrorEvent {
  type: 'error';
  code: ErrorCode;
  message: string;
  fatal: boolean;
  /** On refusals worth retrying (`capacity_exceeded`, `limit_exceeded`, `unavailable`): wait at least this long. */
  retry_after_ms?: number;
}

/**
 * `client_gone` is never sent (the client is gone); `max_duration` is `max_session_ms`;
 * `error` follows a fatal `error` event that names the cause.
 */
export type SessionEndReason = 'stop' | 'client_gone' | 'error' | 'idle_timeout' | 'max_duration' | 'server_shutdown';

export interface ChannelStats {
  channel: number;
  audio_ms: number;
  turns: number;
  eager_ends: number;
  resumed: number;
}
export interface SessionEndedEvent {
  type: 'session.ended';
  reason: SessionEndReason;
  stats: { channels: ChannelStats[] };
}

/** Events that belong to one channel's turns. */
export type ChannelEvent =
  | SpeechStartedEvent
  | TranscriptPartialEvent
  | TurnEagerEndEvent
  | TurnResumedEvent
  | TurnEndEvent
  | TranscriptCorrectedEvent;

export type ServerEvent = SessionStartedEvent | ChannelEvent | ErrorEvent | SessionEndedEvent;
