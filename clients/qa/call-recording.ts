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
  /** WebRTC: when the client's track began playing the call's first audio. */
  audioStartedAt?: number;
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

/**
 * How far the server's audio clock runs ahead of the call's own audio: 0 but over WebRTC,
 * where the server counts from the data channel's opening, before the client's track plays
 * the call's first audio (its 200 ms queue, at least). The call's audio at `t` is then the
 * server's at `t` plus this, and the transport's delay (tens of ms, which the client cannot
 * see). Manifest times (turn boundaries, the waveform) move by it onto the server's clock.
 */
export function serverClockLeadMs(recording: CallRecording): number {
  const { serverClockStartedAt, audioStartedAt } = recording;
  if (serverClockStartedAt === undefined || audioStartedAt === undefined) return 0;
  return Math.max(0, audioStartedAt - serverClockStartedAt);
}
