import type { ServerEvent } from '../../proto/messages.js';

/** A server event and when the client received it. */
export interface ReceivedEvent {
  event: ServerEvent;
  /** Client wall time (`performance.now()`) of receipt. */
  at: number;
}

/**
 * Everything the client saw of one replayed call, with the client's own clock: what the QA
 * report scores. Audio time `t` ms was handed to the transport at `sentAtOf(t)`.
 */
export interface CallRecording {
  events: ReceivedEvent[];
  /** Client wall time each audio message was handed to the transport, in order. */
  chunkSentAt: number[];
  /** Audio per message, ms. */
  chunkMs: number;
  /**
   * WebRTC: when the server's audio clock started (the data channel's opening, as the client
   * saw it). The track plays in real time and the server counts every sample from there, so
   * server audio time `t` left the client at this plus `t`.
   */
  serverClockStartedAt?: number;
  /** Close code, gRPC status, or the WebRTC POST's HTTP status; ok as `CallEnd` says. */
  close: { code: number; ok: boolean; label: string };
  /** The call could not run at all (refused, unreachable): why. */
  failure?: string;
}

/** When the client had sent the audio at `audioMs` (the message that holds it). */
export function sentAtOf(recording: CallRecording, audioMs: number): number | undefined {
  const k = Math.max(0, Math.floor(audioMs / recording.chunkMs));
  if (recording.serverClockStartedAt !== undefined) return recording.serverClockStartedAt + k * recording.chunkMs;
  return recording.chunkSentAt[Math.min(k, recording.chunkSentAt.length - 1)];
}
