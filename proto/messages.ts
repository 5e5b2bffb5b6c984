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

export interface SessionStartedEvent {
  type: 'session.started';
  session_id: string;
  config: SessionConfig;
  limits: SessionLimits;
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
}
export interface TurnEagerEndEvent {
  type: 'turn.eager_end';
  channel: number;
  turn_id: number;
  text: string;
  speech_end_ms: number;
  latency_ms: number;
}
export interface TurnResumedEvent {
  type: 'turn.resumed';
  channel: number;
  turn_id: number;
}
export interface TurnEndEvent {
  type: 'turn.end';
  channel: number;
  turn_id: number;
  text: string;
  words: WireWord[];
  speech_end_ms: number;
  latency_ms: number;
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
}

export type SessionEndReason = 'stop' | 'client_gone' | 'error' | 'idle_timeout' | 'server_shutdown';

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
